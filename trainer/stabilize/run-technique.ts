/**
 * Stabilized training in a run (the `stabilize` RunTechnique, seed 001): the loop's stabilizer for a model with
 * a `stabilize:` block (the file's own, or `stabilize: auto` from "Train stabilized"), and its settings in the
 * run's log: what the model file chose (`choices`) and what the trainer decided (`notes`). Its monitors run
 * with the run's layer statistics (trainer/run/stats.ts reads `stabilize.monitors`).
 */
import type { RunParts, RunTechnique, TechniqueContext } from '../run-technique';
import { stabilizerFor } from './stabilizer';

export const stabilizeTechnique: RunTechnique = {
  id: 'stabilize',
  section: 'stabilize',
  forRun: stabilizeParts,
};

function stabilizeParts({ model }: TechniqueContext): RunParts | undefined {
  const spec = model.stabilize;
  if (!spec) return undefined;
  return {
    stabilizer: stabilizerFor(spec),
    attach: (_dir, loop) => (loop.stabilizer ? [...spec.choices, ...loop.stabilizer.notes].map((line) => `stabilize: ${line}`) : []),
  };
}
