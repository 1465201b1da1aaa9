/**
 * The two networks compared: (a) the model file as written, trained with its `modularity:` block; (b) the
 * same parsed model without the block. The parser has already over-parameterised the modular layers, so
 * (b) keeps exactly (a)'s widened layers (e.g. 128 units where the file says 64) and differs only in
 * training: no probes, masks, modularity/diversity losses or clustering.
 */
import { loadModelFile, type ModelFile } from '../../spec';

export type Arm = 'dynaxx' | 'plain';

export interface ArmModel {
  arm: Arm;
  model: ModelFile;
}

/** A fresh parse of `file` for one arm and seed (each run mutates nothing shared). */
export function armModel(file: string, arm: Arm, seed: number, epochs?: number): ArmModel {
  const model = loadModelFile(file);
  if (!model.modularity) throw new Error(`${file} has no modularity: block; the benchmark compares a model with one against the same model without`);
  model.train.seed = seed;
  if (epochs !== undefined) {
    model.train.epochs = epochs;
    model.train.steps = 0;
  }
  if (arm === 'plain') delete model.modularity;
  return { arm, model };
}
