/**
 * Weight-layer queries that pruning and modularity extraction share: what a weight layer is, how a layer is
 * named in a message, and where a weight layer's output units go.
 *
 * `reach` follows a producer's output down its layer list to the next weight layer (the consumer), through the
 * layers a caller's rule lets pass; each technique has its own rule (pruning: any layer that acts on each channel
 * separately; extraction: only layers that keep a masked unit at 0). A flatten of [H, W, C] spreads unit c over
 * the features (h·W + w)·C + c, so the consumer reads each unit on `positions` kernel rows.
 */
import type { LayerNode } from '../../spec/types';

export type WeightLayer = LayerNode<'dense'> | LayerNode<'conv2d'>;

/** One layer between producer and consumer: `positions` features per unit at its input and output. */
export interface PathStep {
  node: LayerNode;
  positionsIn: number;
  positionsOut: number;
}

/** Where the output units of `producer` go: through `between` to `consumer`, which reads each on `positions` rows. */
export interface UnitPath {
  producer: WeightLayer;
  between: PathStep[];
  consumer: WeightLayer;
  positions: number;
}

/** What `reach` found: the path; or the first layer the rule stops (`stop`); neither when the list ends first. */
export interface Reach {
  path?: UnitPath;
  stop?: LayerNode;
}

/** Follows the output of the weight layer `layers[index]` to the next weight layer of `layers`, through layers `passes` accepts. */
export function reach(layers: LayerNode[], index: number, passes: (n: LayerNode) => boolean): Reach {
  const producer = layers[index] as WeightLayer;
  const between: PathStep[] = [];
  let positions = 1;
  for (let j = index + 1; j < layers.length; j++) {
    const n = layers[j];
    if (isWeightLayer(n)) return { path: { producer, between, consumer: n, positions } };
    if (!passes(n)) return { stop: n };
    const positionsIn = positions;
    if (n.type === 'flatten') positions *= n.inputShape.slice(0, -1).reduce((a, b) => a * b, 1);
    between.push({ node: n, positionsIn, positionsOut: positions });
  }
  return {};
}

export function isWeightLayer(n: LayerNode): n is WeightLayer {
  return n.type === 'dense' || n.type === 'conv2d';
}

/** `dense layer 'hidden' (id hidden)`, or `dense layer layers[2] (unnamed)`. */
export function label(n: LayerNode): string {
  const segment = n.id.slice(n.id.lastIndexOf('.') + 1);
  return /^layers\[\d+\](\[\d+\])?$/.test(segment) ? `${n.type} layer ${n.id} (unnamed)` : `${n.type} layer '${segment}' (id ${n.id})`;
}

export const lastDim = (s: number[]): number => s[s.length - 1];

/** Whether `kept` lists sorted, distinct integers in [0, n) (callers say what is wrong in their own words). */
export function isKeptList(kept: number[], n: number): boolean {
  return kept.every((k, i) => Number.isInteger(k) && k >= 0 && k < n && (i === 0 || k > kept[i - 1]));
}

/** Feature indices at a point `positions` features per channel deep: (p·C + c) for every kept c, sorted. */
export function spread(kept: number[], channels: number, positions: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < positions; p++) for (const c of kept) out.push(p * channels + c);
  return out;
}

/** The columns of an attention layer's inner width [0, heads·headDim) that the kept heads own, sorted. */
export function headColumns(kept: number[], headDim: number): number[] {
  return kept.flatMap((h) => Array.from({ length: headDim }, (_, j) => h * headDim + j));
}
