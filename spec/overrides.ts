/**
 * Settings that come from outside the model file: command-line flags (`--batch-size 0`) and the trainer
 * protocol's `overrides` (`{ epochs: -1 }`). Each is checked with the very field of the file's tables it replaces
 * (TRAIN_FIELDS, OPTIMIZER_FIELDS, DATA_FIELDS, PRUNE_FIELDS) through the same `readValue`, so a value the file
 * refuses is refused from every way in. These functions return what is wrong in words; the trainer throws it.
 */
import { DATA_FIELDS } from './data-spec';
import { expected, readValue, type Field } from './fields';
import { quoteValue } from './limits';
import { PRUNE_FIELDS } from './prune-spec';
import { Reporter } from './report';
import type { SNode } from './source';
import { didYouMean } from './suggest';
import { OPTIMIZER_FIELDS, TRAIN_FIELDS } from './train-spec';

export interface OverrideRule {
  /** Where the value lands in the model file, as messages name it: `train.batchSize`. */
  path: string;
  field: Field;
  /** The command-line flag that sets it, when there is one. */
  flag?: string;
}

/**
 * The rule of every key of the protocol's RunOverrides (the trainer checks that the two lists agree). `limit`
 * takes the file's field with minimum 1: 0 means "all samples", which leaving the override out already says.
 */
export const RUN_OVERRIDE_RULES = {
  backend: { path: 'train.backend', field: TRAIN_FIELDS.backend!, flag: '--backend' },
  epochs: { path: 'train.epochs', field: TRAIN_FIELDS.epochs!, flag: '--epochs' },
  steps: { path: 'train.steps', field: TRAIN_FIELDS.steps!, flag: '--steps' },
  batchSize: { path: 'train.batchSize', field: TRAIN_FIELDS.batchSize!, flag: '--batch-size' },
  lr: { path: 'train.optimizer.lr', field: OPTIMIZER_FIELDS.lr!, flag: '--lr' },
  seed: { path: 'train.seed', field: TRAIN_FIELDS.seed!, flag: '--seed' },
  limit: { path: 'data.limit', field: { ...(DATA_FIELDS.limit as Extract<Field, { kind: 'int' }>), min: 1 }, flag: '--limit' },
  stabilize: { path: 'stabilize', field: { kind: 'enum', values: ['auto'], doc: 'Train with `stabilize: auto`.' } },
  modularity: { path: 'modularity', field: { kind: 'enum', values: ['on'], doc: 'Train with `modularity: on`.' }, flag: '--discover' },
} satisfies Record<string, OverrideRule>;

/** The settings of `dynaxx prune` and the protocol's `prune/sweep` (PruneOverrides), from the `prune:` block's table. */
export const PRUNE_OVERRIDE_RULES = {
  criteria: { path: 'prune.criteria', field: PRUNE_FIELDS.criteria!, flag: '--criteria' },
  targets: { path: 'prune.targets', field: PRUNE_FIELDS.targets!, flag: '--targets' },
  schedule: { path: 'prune.schedule', field: PRUNE_FIELDS.schedule!, flag: '--schedule' },
  finetuneSteps: { path: 'prune.finetuneSteps', field: PRUNE_FIELDS.finetuneSteps!, flag: '--finetune-steps' },
  scoreSteps: { path: 'prune.scoreSteps', field: PRUNE_FIELDS.scoreSteps!, flag: '--score-steps' },
  seeds: { path: 'prune.seeds', field: PRUNE_FIELDS.seeds!, flag: '--seeds' },
  route: { path: 'route', field: { kind: 'bool', doc: 'Run the confidence-routing sweep.' }, flag: '--route' },
  backend: RUN_OVERRIDE_RULES.backend,
} satisfies Record<string, OverrideRule>;

/** One FLOP reduction of `prune.targets`: percent below 100 (the list's own check in prune-spec.ts). */
export const PRUNE_TARGET_RULE: OverrideRule = { path: 'prune.targets', field: { kind: 'int', min: 1, max: 99, doc: PRUNE_FIELDS.targets!.doc }, flag: '--targets' };

const AT = { file: '', line: 1, col: 1, endLine: 1, endCol: 1 };

/** A JSON value as the source node `readValue` reads: lists as sequences, anything else as a scalar. */
function toNode(value: unknown): SNode {
  return Array.isArray(value) ? { kind: 'seq', items: value.map(toNode), range: AT } : { kind: 'scalar', value, range: AT };
}

/** How a value is shown in a message: numbers as written, strings quoted and cut, anything else as JSON, cut. */
export function showValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${quoteValue(value, 40)}'`;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return quoteValue(json ?? String(value), 40);
}

/** What is wrong with `value` under `rule`, or undefined when it is fine. `who` names it: `--batch-size`, `overrides.batchSize`. */
export function valueProblem(rule: OverrideRule, value: unknown, who: string, shown = showValue(value)): string | undefined {
  const r = new Reporter();
  readValue(toNode(value), rule.field, r, rule.path);
  if (r.errorCount === 0) return undefined;
  const s = r.diagnostics.find((d) => d.suggestion !== undefined)?.suggestion;
  const subject = rule.path === who ? '' : `${rule.path} `;
  return `${who} ${shown}: ${subject}must be ${expected(rule.field)}${s ? ` (did you mean '${s}'?)` : ''}`;
}

/**
 * A flag's text as the value its field takes: a number for int/number fields (`1e3` is 1000, as in YAML), the text
 * for names. Blank text, `NaN`, `Infinity`, fractions where an integer belongs and values out of range are problems.
 */
export function flagValue(rule: OverrideRule, text: string, who = rule.flag ?? rule.path): { value: number | string } | { problem: string } {
  const numeric = rule.field.kind === 'int' || rule.field.kind === 'number';
  const value = numeric ? (text.trim() === '' ? NaN : Number(text)) : text;
  const shown = numeric && Number.isFinite(value) && /^[-+0-9.eE]+$/.test(text) ? text : showValue(text);
  const problem = valueProblem(rule, value, who, shown);
  return problem === undefined ? { value } : { problem };
}

/**
 * Every problem of an overrides object (the protocol's `overrides`): keys that are not settings (with a
 * did-you-mean), and values that break their rule. `undefined` and `null` mean "not given".
 */
export function overrideProblems(o: unknown, rules: Record<string, OverrideRule>, where = 'overrides'): string[] {
  if (o === undefined || o === null) return [];
  if (typeof o !== 'object' || Array.isArray(o)) return [`${where} must be an object of settings (${Object.keys(rules).join(', ')}), got ${showValue(o)}`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(o)) {
    const rule = rules[key];
    if (rule === undefined) {
      const s = didYouMean(key, Object.keys(rules));
      problems.push(`${where}: unknown setting '${quoteValue(key, 40)}'${s ? ` (did you mean '${s}'?)` : ''}; known: ${Object.keys(rules).join(', ')}`);
      continue;
    }
    if (value === undefined || value === null) continue;
    const p = valueProblem(rule, value, `${where}.${key}`);
    if (p) problems.push(p);
  }
  return problems;
}

/** Every problem of `prune/sweep`'s overrides (PruneOverrides): the rules above, each target below 100. */
export function pruneOverrideProblems(o: unknown, where = 'overrides'): string[] {
  const problems = overrideProblems(o, PRUNE_OVERRIDE_RULES, where);
  const targets = (o as { targets?: unknown } | undefined)?.targets;
  if (problems.length > 0 || !Array.isArray(targets)) return problems;
  return targets.map((t) => valueProblem(PRUNE_TARGET_RULE, t, `${where}.targets`)).filter((p): p is string => p !== undefined);
}
