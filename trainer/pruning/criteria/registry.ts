/** Every pruning criterion by id. A criterion is one small file; add it here to make it selectable. */
import type { Criterion } from '../types';
import { agf } from './agf';
import { l1, l2 } from './magnitude';
import { obd } from './obd';
import { random } from './random';
import { ria } from './ria';
import { taylor } from './taylor';
import { wanda } from './wanda';

export const CRITERIA: Record<string, Criterion> = Object.fromEntries(
  [random, l1, l2, wanda, ria, taylor, obd, agf].map((c) => [c.id, c]),
);

/** The criterion of `id`; an unknown id fails with the list of known ones. */
export function getCriterion(id: string): Criterion {
  const c = Object.hasOwn(CRITERIA, id) ? CRITERIA[id] : undefined;
  if (!c) throw new Error(`unknown pruning criterion '${id}'; known: ${Object.keys(CRITERIA).join(', ')}`);
  return c;
}
