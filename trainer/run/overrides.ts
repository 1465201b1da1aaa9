/**
 * A run's model from the file's text and the caller's overrides (CLI flags, the editor's settings and actions).
 *
 * Turning a technique on ("Train stabilized": `stabilize: 'auto'`, "Discover subnetworks": `modularity: 'on'`)
 * is done one way: `<section>: <value>` is appended to the model text of a file without that section, and the
 * text is parsed as the file would be. So the technique is resolved exactly as if the file said it (modular
 * layers widened at parse time, `stabilize: auto` derived from the file's own settings), the lines above keep
 * their positions, and the `model.dynaxx.yaml` stored with the run says what the run trained (a rerun of the
 * stored text trains the same way); patching the parsed model instead would leave that text saying less.
 * The other overrides (backend, epochs, steps, batch size, lr, seed, data limit) patch the parsed model.
 */
import { parseDocument } from 'yaml';
import type { RunOverrides } from '../../protocol/trainer';
import { loadModelText } from '../../spec';
import { RUN_OVERRIDE_RULES, overrideProblems, type OverrideRule } from '../../spec/overrides';
import type { ModelFile } from '../../spec/types';
import { UserError } from '../errors';
import type { RunTechnique } from '../run-technique';
import { RUN_TECHNIQUES } from './techniques';

/** A rule for every RunOverrides key, and no rule for a key it lacks (a compile error when the two drift apart). */
const OVERRIDE_RULES: Record<keyof RunOverrides, OverrideRule> = RUN_OVERRIDE_RULES;
const NO_EXTRA_RULES: Record<Exclude<keyof typeof RUN_OVERRIDE_RULES, keyof RunOverrides>, never> = {};
void NO_EXTRA_RULES;

/**
 * Checks overrides with the model file's own rules (spec/overrides.ts): `--batch-size 0` or `overrides.epochs: -1`
 * is a UserError naming the setting, the value and the rule. `where` is how the caller's user names them.
 */
export function checkOverrides(o: unknown, where = 'overrides'): void {
  const problems = overrideProblems(o, OVERRIDE_RULES, where);
  if (problems.length > 0) throw new UserError(problems.join('\n'));
}

/**
 * Applies the train and data overrides to a resolved model, after checking them (checkOverrides). The overrides
 * that turn a technique on act on the text instead (withTechniques; modelWithOverrides does both).
 */
export function applyOverrides(model: ModelFile, o: RunOverrides = {}): ModelFile {
  checkOverrides(o);
  const train = { ...model.train, optimizer: { ...model.train.optimizer } };
  if (o.backend) train.backend = o.backend;
  if (o.epochs !== undefined) { train.epochs = o.epochs; train.steps = 0; }
  if (o.steps !== undefined) train.steps = o.steps;
  if (o.batchSize !== undefined) train.batchSize = o.batchSize;
  if (o.lr !== undefined) train.optimizer.lr = o.lr;
  if (o.seed !== undefined) train.seed = o.seed;
  const data = o.limit !== undefined ? { ...model.data, limit: o.limit } : model.data;
  return { ...model, train, data };
}

/**
 * The model text with `<section>: <value>` appended for each technique an override turns on (`stabilize: auto`,
 * `modularity: on`) whose section the file lacks; a file's own block is kept, and a text YAML cannot read is
 * returned as it is (its parse reports the problem).
 */
export function withTechniques(text: string, overrides: RunOverrides | undefined, techniques: readonly RunTechnique[] = RUN_TECHNIQUES): string {
  const on = techniques.flatMap((t) => (t.section && overrides?.[t.section] ? [[t.section, overrides[t.section]] as const] : []));
  if (on.length === 0) return text;
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  const lines = on.filter(([section]) => !doc.has(section)).map(([section, value]) => `${section}: ${value}\n`);
  if (lines.length === 0) return text;
  return `${text}${text.endsWith('\n') ? '' : '\n'}${lines.join('')}`;
}

/** The model a run trains from a model file's text and the overrides, with the text to store with the run. */
export function modelWithOverrides(text: string, file: string, overrides: RunOverrides | undefined): { model: ModelFile; text: string } {
  checkOverrides(overrides);
  const sourceText = withTechniques(text, overrides);
  return { model: applyOverrides(loadModelText(sourceText, file), overrides), text: sourceText };
}
