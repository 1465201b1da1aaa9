/**
 * Applying a pruning plan: the physically smaller model file and its weights.
 *
 * The plan is checked against the model's groups (`structure.ts`): every group it names must be prunable, and
 * keep a sorted, non-empty list of its channels. Each group then becomes a cut for `trainer/surgery/` (the unit
 * removal modularity extraction uses too): the producer keeps its kernel columns and bias entries of the kept
 * channels, each coupled batchNorm its per-channel entries, the consumer their input rows; a head group keeps the
 * q, k, v columns and output-kernel rows of its kept heads. The model file keeps its other sections; `prune:`,
 * `route:`, `modularity:` and `model.modelJson` go (the result is a plain model), and layers whose id changed
 * (a repeated block unrolled because its repetitions now differ) are listed in `renamed`.
 */
import type { LayerNode, ModelFile } from '../../spec/types';
import { walkLayers } from '../../spec/walk';
import type { NamedArray } from '../store/checkpoint';
import { isKeptList, label } from '../surgery/layers';
import { removeUnits, type Cut, type SurgeryResult } from '../surgery/remove-units';
import { groupPaths, headGroups, notPrunable } from './structure';
import type { PruningPlan } from './types';

/** The pruned model (`removed`: group id -> channels removed, groups of the plan only); `writeExport` writes it. */
export type PruneResult = SurgeryResult;

/**
 * `model` without the channels `plan` does not keep. `sourceText`: the model file's text; `weights`: every array
 * of the model (`<layer id>/<role>`). Throws an Error naming the layer for an unknown or not prunable group, an
 * empty or malformed kept list, or weights that do not fit.
 */
export function applyPlan(model: ModelFile, sourceText: string, weights: NamedArray[], plan: PruningPlan): PruneResult {
  const paths = groupPaths(model);
  const heads = new Map(headGroups(model).map((g) => [g.id, g]));
  const cuts: Cut[] = [];
  for (const [id, kept] of plan) {
    const path = paths.get(id);
    const headGroup = heads.get(id);
    if (!path && !headGroup) throw unknownGroup(model, id);
    const group = path?.group ?? headGroup!;
    const what = path ? label(path.producer) : `the heads of attention layer '${id}'`;
    if (kept.length === 0) {
      throw new Error(`prune: the plan keeps no channel of ${what}, which would cut the model in two: keep at least one, or delete the layer from the model file`);
    }
    if (!isKeptList(kept, group.channels)) {
      throw new Error(`prune: the kept channels of ${what} must be sorted, distinct integers in [0, ${group.channels}); got [${kept.join(', ')}]`);
    }
    if (path) cuts.push({ kind: 'units', path, kept });
    else cuts.push({ kind: 'heads', layer: attentionLayer(model, id), kept, headDim: group.headDim! });
  }
  return removeUnits(model, sourceText, weights, cuts, 'prune');
}

function attentionLayer(model: ModelFile, id: string): LayerNode<'attention'> {
  return [...walkLayers(model.layers)].find((n) => n.id === id) as LayerNode<'attention'>;
}

function unknownGroup(model: ModelFile, id: string): Error {
  const blocked = notPrunable(model).find((b) => b.layer === id);
  if (blocked) return new Error(`prune: the plan names '${id}', which cannot lose channels: ${blocked.reason}`);
  const groups = [...groupPaths(model).keys(), ...headGroups(model).map((g) => `${g.id} (heads)`)].join(', ');
  return new Error(`prune: the plan names '${id}', which is not a prunable group of ${model.file} (groups: ${groups || 'none'})`);
}
