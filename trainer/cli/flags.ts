/**
 * Command-line flags as typed values, each checked with the rule of the model-file field it replaces
 * (spec/overrides.ts: `--batch-size` with `train.batchSize`, `--seeds` with `prune.seeds`) or, for flags the file
 * has no field for (`--port`, `--log-every`), with a rule of the same kind here. A bad value is a UserError that
 * names the flag, the value and the rule: `--batch-size 0: train.batchSize must be a positive integer`.
 */
import type { BackendRequest, RunOverrides } from '../../protocol/trainer';
import { didYouMean } from '../../spec';
import { PRUNE_OVERRIDE_RULES, PRUNE_TARGET_RULE, RUN_OVERRIDE_RULES, flagValue, showValue, valueProblem, type OverrideRule } from '../../spec/overrides';
import { UserError } from '../errors';
import { monitorIds } from '../monitors/registry';
import type { PruneOverrides } from '../pruning/command';

export type Opts = Record<string, string | boolean | undefined>;

const int = (min: number, max?: number, doc = '') => ({ kind: 'int' as const, min, ...(max !== undefined ? { max } : {}), doc });

/** Flags with no model-file field. */
export const CLI_RULES = {
  logEvery: { path: '--log-every', field: int(1), flag: '--log-every' },
  port: { path: '--port', field: int(0, 65535), flag: '--port' },
  maxMessageMb: { path: '--max-message-mb', field: int(1, 4096), flag: '--max-message-mb' },
  authTimeoutS: { path: '--auth-timeout-s', field: int(1, 3600), flag: '--auth-timeout-s' },
  samples: { path: '--samples', field: int(1), flag: '--samples' },
  add: { path: '--add', field: int(1), flag: '--add' },
  jointSteps: { path: '--joint-steps', field: int(0), flag: '--joint-steps' },
  workers: { path: '--workers', field: int(1, 256), flag: '--workers' },
  concurrency: { path: '--concurrency', field: int(1, 64), flag: '--concurrency' },
  stallS: { path: '--stall-s', field: int(1, 3600), flag: '--stall-s' },
} satisfies Record<string, OverrideRule>;

/** The flag's value under `rule`, undefined when it was not given. */
export function flag(o: Opts, rule: OverrideRule): number | undefined {
  const name = rule.flag!;
  const text = o[name.slice(2)];
  if (text === undefined || typeof text === 'boolean') return undefined;
  const r = flagValue(rule, text, name);
  if ('problem' in r) throw new UserError(r.problem);
  return r.value as number;
}

/** `--backend`, checked with train.backend's values. */
export function backendFlag(o: Opts): BackendRequest | undefined {
  const text = o.backend;
  if (typeof text !== 'string') return undefined;
  const r = flagValue(RUN_OVERRIDE_RULES.backend, text, '--backend');
  if ('problem' in r) throw new UserError(r.problem);
  return r.value as BackendRequest;
}

/** `train` and `check`: the run overrides the flags give (the same rules as the file's `train:` and `data:`). */
export function runOverrides(o: Opts): RunOverrides {
  const R = RUN_OVERRIDE_RULES;
  return {
    backend: backendFlag(o),
    epochs: flag(o, R.epochs),
    steps: flag(o, R.steps),
    batchSize: flag(o, R.batchSize),
    lr: flag(o, R.lr),
    limit: flag(o, R.limit),
    seed: flag(o, R.seed),
    ...(o.discover ? { modularity: 'on' as const } : {}),
  };
}

/** `prune`: criteria, targets (percent, 1–99), schedule, steps and seeds, with the `prune:` block's rules. */
export function pruneOverrides(o: Opts): Omit<PruneOverrides, 'route' | 'backend'> {
  const P = PRUNE_OVERRIDE_RULES;
  const criteria = list(o.criteria, '--criteria');
  const bad = criteria && valueProblem(P.criteria, criteria, '--criteria', showValue(String(o.criteria)));
  if (bad) throw new UserError(bad);
  const targets = list(o.targets, '--targets')?.map((t) => {
    const r = flagValue(PRUNE_TARGET_RULE, t, '--targets');
    if ('problem' in r) throw new UserError(r.problem);
    return r.value as number;
  });
  let schedule: PruneOverrides['schedule'];
  if (typeof o.schedule === 'string') {
    const r = flagValue(P.schedule, o.schedule, '--schedule');
    if ('problem' in r) throw new UserError(r.problem);
    schedule = r.value as PruneOverrides['schedule'];
  }
  return { criteria, targets, schedule, finetuneSteps: flag(o, P.finetuneSteps), scoreSteps: flag(o, P.scoreSteps), seeds: flag(o, P.seeds) };
}

/** `--monitors a,b` (known ids), `none` or empty for none. */
export function monitorsFlag(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (v === 'none' || v === '') return [];
  const ids = String(v).split(',').map((x) => x.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !monitorIds().includes(id));
  if (unknown.length) throw new UserError(withSuggestion(`--monitors: unknown monitor ${showValue(unknown[0])}; known: ${monitorIds().join(', ')}, or none`, unknown[0]!, monitorIds()));
  return ids;
}

/** A comma-separated list; an empty one is an error (it would silently mean "the defaults"). */
function list(v: unknown, name: string): string[] | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const items = String(v).split(',').map((x) => x.trim()).filter(Boolean);
  if (items.length === 0) throw new UserError(`${name} ${showValue(String(v))}: give a comma-separated list`);
  return items;
}

function withSuggestion(message: string, word: string, known: readonly string[]): string {
  const s = didYouMean(word, known);
  return s ? `${message} (did you mean '${s}'?)` : message;
}
