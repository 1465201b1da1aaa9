/**
 * The techniques a run may use, in the order their parts are assembled (plugins, log lines, end-of-run
 * reports). Each decides from the model whether it takes part; a model that uses none gets the plain loop.
 */
// the dna and moe layers register themselves into the engine's layer registry: every run can build them
import '../dna/register';
import { routingTechnique } from '../dna/run-hooks';
import { modularityTechnique } from '../modularity/run-hooks';
import type { RunTechnique } from '../run-technique';
import { stabilizeTechnique } from '../stabilize/run-technique';

export const RUN_TECHNIQUES: readonly RunTechnique[] = [stabilizeTechnique, modularityTechnique, routingTechnique];

/** The list with the technique of the same id replaced (growth replaces discovery). */
export function replacing(list: readonly RunTechnique[], t: RunTechnique): RunTechnique[] {
  return list.map((x) => (x.id === t.id ? t : x));
}
