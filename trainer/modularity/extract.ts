/**
 * Extraction: physically removes the units that emergent modularity masked out, giving a smaller plain model.
 *
 * A kept unit of a modular layer L (top-level dense/conv2d, units = last axis) keeps its kernel column and bias
 * entry; a removed unit's output is exactly 0 after its mask, so the matching input rows of the next weight
 * layer N (dense or conv2d) can go too. Between L and N only layers that act per unit and keep 0 at 0 may sit:
 * dropout, pooling, flatten (which spreads a channel c over the rows (h·W + w)·C + c) and activations with
 * f(0) = 0 (the same sets `spec/modularity-spec.ts` checks the file against). Anything else throws, naming the
 * layer and what to do. The removal itself is `trainer/surgery/` (the one pruning uses): the model file is written
 * back with its other sections as they are, `model.layers` serialised from the resolved layers
 * (over-parameterised sizes, minus the removed units) and no `modularity:`, `prune:` or `route:`;
 * `trainer/surgery/export.ts` stores the result in tfjs format.
 */
import { PASS_THROUGH, ZERO_PRESERVING } from '../../spec/modularity-spec';
import { walkLayers } from '../../spec/walk';
import type { LayerNode, ModelFile } from '../../spec/types';
import type { NamedArray } from '../store/checkpoint';
import { isKeptList, isWeightLayer, label, lastDim, reach } from '../surgery/layers';
import { removeUnits, type SurgeryResult, type UnitCut } from '../surgery/remove-units';

/** The smaller model (`removed`: layer id -> units removed); `writeExport` writes it. */
export type ExtractResult = Omit<SurgeryResult, 'renamed'>;

/**
 * The model without the units `keep` does not list. `keep`: top-level dense/conv2d layer id -> its kept output
 * units, sorted. Throws an Error naming the layer when a cut is not exact (see the file comment).
 */
export function extractModel(model: ModelFile, sourceText: string, weights: NamedArray[], keep: Map<string, number[]>): ExtractResult {
  const cuts = [...keep].map(([id, kept]) => planCut(model, id, kept));
  const r = removeUnits(model, sourceText, weights, cuts, 'extract');
  return { yaml: r.yaml, model: r.model, weights: r.weights, params: r.params, flops: r.flops, removed: r.removed };
}

function planCut(model: ModelFile, id: string, kept: number[]): UnitCut {
  const index = model.layers.findIndex((n) => n.id === id);
  if (index < 0) {
    const nested = [...walkLayers(model.layers)].find((n) => n.id === id);
    if (nested) throw new Error(`extract: ${label(nested)} is inside a residual block; only top-level dense and conv2d layers can lose units: take it out of the modular layers`);
    const ids = model.layers.filter(isWeightLayer).map((n) => n.id).join(', ');
    throw new Error(`extract: ${model.file} has no layer with id '${id}'; the modular layers must be top-level dense or conv2d layers (here: ${ids || 'none'})`);
  }
  const layer = model.layers[index];
  if (!isWeightLayer(layer)) throw new Error(`extract: ${label(layer)} is not a dense or conv2d layer, so it has no units to remove: take it out of the modular layers`);
  const units = lastDim(layer.outputShape);
  if (kept.length === 0) throw new Error(`extract: every unit of ${label(layer)} is masked out, which would cut the model in two: keep at least one unit, or delete the layer from the model file`);
  if (!isKeptList(kept, units)) throw new Error(`extract: the kept units of ${label(layer)} must be sorted, distinct integers in [0, ${units}); got [${kept.join(', ')}]`);
  if (index === model.layers.length - 1) throw new Error(`extract: ${label(layer)} is the model's output (the logits): its units are the classes and cannot be removed; take it out of the modular layers`);
  const { path, stop } = reach(model.layers, index, (n) => blocker(n) === undefined);
  if (path) return { kind: 'units', path, kept };
  if (stop) {
    throw new Error(`extract: cannot remove units of ${label(layer)}: its output reaches ${label(stop)} before the next dense/conv2d layer, and ${blocker(stop)}. ` +
      'Only dropout, pooling, flatten and activations with f(0) = 0 may sit in between: move that layer, or take ' +
      `'${layer.id}' out of the modular layers`);
  }
  throw new Error(`extract: ${label(layer)} feeds the model's output (the logits) with no dense or conv2d layer after it: its units cannot be removed; take it out of the modular layers`);
}

/** Why a removed unit would not stay an exact, separate 0 through `n`; undefined when it does. */
function blocker(n: LayerNode): string | undefined {
  if (!PASS_THROUGH.has(n.type)) return `${n.type} ${n.body ? 'has a body of its own' : 'mixes or shifts the units'}`;
  if (n.type !== 'activation') return undefined;
  const f = (n as LayerNode<'activation'>).config.activation;
  return ZERO_PRESERVING.has(f) ? undefined : `${f}(0) is not 0 (a removed unit would still feed the next layer)`;
}
