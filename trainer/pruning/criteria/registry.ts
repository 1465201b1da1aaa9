/**
 * Every pruning criterion by id. A criterion is one small file plus its line here (docs/pruning-criteria.md,
 * "Adding a criterion"); registering it also makes model files, `--criteria` and `route.criterion` accept its id
 * (spec/prune-spec.ts `PRUNE_CRITERIA`). `BUILT_INS` must match the spec's built-in ids exactly, or this does not
 * compile: the language server knows those without loading the trainer.
 */
import { PRUNE_CRITERIA, type BuiltInPruneCriterion } from '../../../spec/prune-spec';
import type { Criterion } from '../types';
import { agf } from './agf';
import { l1, l2 } from './magnitude';
import { obd } from './obd';
import { random } from './random';
import { ria } from './ria';
import { taylor } from './taylor';
import { wanda } from './wanda';

const BUILT_INS = { random, l1, l2, wanda, ria, taylor, obd, agf } satisfies Record<BuiltInPruneCriterion, Criterion>;

const registry = new Map<string, Criterion>();

/** Makes `criterion` selectable by its id, in the trainer and in model files (a known id is replaced). */
export function registerCriterion(criterion: Criterion): void {
  PRUNE_CRITERIA.register(criterion.id);
  registry.set(criterion.id, criterion);
}

for (const [id, c] of Object.entries(BUILT_INS)) {
  if (c.id !== id) throw new Error(`pruning criteria: '${id}' is registered with id '${c.id}'`);
  registerCriterion(c);
}

/** Registered ids, built-ins first, in the order model files list them by default. */
export function criterionIds(): string[] {
  return [...registry.keys()];
}

/** The criterion of `id`; an unknown id fails with the list of known ones. */
export function getCriterion(id: string): Criterion {
  const c = registry.get(id);
  if (!c) throw new Error(`unknown pruning criterion '${id}'; known: ${criterionIds().join(', ')}`);
  return c;
}
