/**
 * Per layer type, what the resource check needs beyond the resolved shapes and parameter counts: the largest weight
 * tensor, the activations a layer keeps inside itself (attention scores, MLP hidden states) per sample, and the
 * settings that make it big (what a message tells the user to lower). Estimates, not the engine's exact buffers.
 */
import type { LayerConfigByType, LayerNode, LayerType } from '../../spec/types';

interface LayerSizes<T extends LayerType> {
  /** Values of the layer's largest weight tensor (at most `node.params`). */
  largestWeight(node: LayerNode<T>): number;
  /** Values per sample held inside the layer besides its output (0 for most). */
  innerActivations(node: LayerNode<T>): number;
  /** The settings that size it, as written: `units: 1e12`; empty when its size comes from its input. */
  knobs(config: LayerConfigByType[T]): string[];
}

const last = (shape: number[]): number => shape[shape.length - 1] ?? 1;
const hidden = (d: number, ratio: number): number => Math.max(1, Math.round(d * ratio));
const own = (node: LayerNode): number => node.params;
const none = (): number => 0;
const noKnobs = (): string[] => [];
/** Attention on [T, D]: scores and softmax (heads·T² each) and q, k, v (T·inner each). */
const attentionInside = (t: number, heads: number, inner: number): number => 2 * heads * t * t + 3 * t * inner;

/** A count as a file would write it: `64`, `3e8`, `1.5e12`. */
export function count(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) < 1e6) return String(Math.round(n * 100) / 100);
  return n.toPrecision(2).replace(/\.0(?=e)/, '').replace('e+', 'e');
}

const pair = (p: [number, number]): string => (p[0] === p[1] ? count(p[0]) : `[${count(p[0])}, ${count(p[1])}]`);

export const LAYER_SIZES: { [T in LayerType]: LayerSizes<T> } = {
  dense: { largestWeight: (n) => last(n.inputShape) * n.config.units, innerActivations: none, knobs: (c) => [`units: ${count(c.units)}`] },
  conv2d: {
    largestWeight: (n) => n.config.kernelSize[0] * n.config.kernelSize[1] * last(n.inputShape) * n.config.filters,
    innerActivations: none,
    knobs: (c) => [`filters: ${count(c.filters)}`, `kernelSize: ${pair(c.kernelSize)}`],
  },
  maxPool2d: { largestWeight: own, innerActivations: none, knobs: noKnobs },
  avgPool2d: { largestWeight: own, innerActivations: none, knobs: noKnobs },
  globalAvgPool2d: { largestWeight: own, innerActivations: none, knobs: noKnobs },
  flatten: { largestWeight: own, innerActivations: none, knobs: noKnobs },
  dropout: { largestWeight: own, innerActivations: (n) => n.outputShape.reduce((a, b) => a * b, 1), knobs: noKnobs },
  layerNorm: { largestWeight: (n) => last(n.inputShape), innerActivations: none, knobs: noKnobs },
  batchNorm: { largestWeight: (n) => last(n.inputShape), innerActivations: none, knobs: noKnobs },
  activation: { largestWeight: own, innerActivations: none, knobs: noKnobs },
  embedding: {
    largestWeight: (n) => n.config.inputDim * n.config.outputDim,
    innerActivations: none,
    knobs: (c) => [`inputDim: ${count(c.inputDim)}`, `outputDim: ${count(c.outputDim)}`],
  },
  // the body's nodes are walked on their own
  residual: { largestWeight: none, innerActivations: none, knobs: noKnobs },
  attention: {
    largestWeight: (n) => last(n.inputShape) * (n.config.headDim === undefined ? last(n.inputShape) : n.config.heads * n.config.headDim),
    innerActivations: (n) => attentionInside(n.inputShape[0] ?? 1, n.config.heads, n.config.headDim === undefined ? last(n.inputShape) : n.config.heads * n.config.headDim),
    knobs: (c) => [`heads: ${count(c.heads)}`, ...(c.headDim === undefined ? [] : [`headDim: ${count(c.headDim)}`])],
  },
  transformer: {
    largestWeight: (n) => last(n.inputShape) * hidden(last(n.inputShape), n.config.mlpRatio),
    innerActivations: (n) => {
      const [t, d] = [n.inputShape[0] ?? 1, last(n.inputShape)];
      return attentionInside(t, n.config.heads, d) + 2 * t * hidden(d, n.config.mlpRatio) + 4 * t * d;
    },
    knobs: (c) => [`mlpRatio: ${count(c.mlpRatio)}`],
  },
  patchEmbed: {
    largestWeight: (n) => Math.max(n.config.patch * n.config.patch * last(n.inputShape) * n.config.dim, n.params - n.config.patch * n.config.patch * last(n.inputShape) * n.config.dim),
    innerActivations: none,
    knobs: (c) => [`dim: ${count(c.dim)}`, `patch: ${count(c.patch)}`],
  },
  tokenPool: { largestWeight: own, innerActivations: none, knobs: noKnobs },
  dna: {
    largestWeight: (n) => {
      const d = last(n.inputShape);
      return Math.max(d * d, d * hidden(d, n.config.mlpRatio));
    },
    innerActivations: (n) => {
      const [t, d, c] = [n.inputShape[0] ?? 1, last(n.inputShape), n.config];
      return c.hops * (c.attention * attentionInside(t, c.heads, d) + c.mlp * 2 * t * hidden(d, c.mlpRatio) + 2 * t * d);
    },
    knobs: (c) => [`hops: ${count(c.hops)}`, `attention: ${count(c.attention)}`, `mlp: ${count(c.mlp)}`, `mlpRatio: ${count(c.mlpRatio)}`],
  },
  moe: {
    largestWeight: (n) => {
      const d = last(n.inputShape);
      return Math.max(d * d, n.config.experts * d * hidden(d, n.config.expertRatio));
    },
    innerActivations: (n) => {
      const [t, d] = [n.inputShape[0] ?? 1, last(n.inputShape)];
      return attentionInside(t, n.config.heads, d) + n.config.k * 2 * t * hidden(d, n.config.expertRatio) + 4 * t * d;
    },
    knobs: (c) => [`experts: ${count(c.experts)}`, `expertRatio: ${count(c.expertRatio)}`],
  },
};

/** The sizes of one node, typed through the registry. */
export function sizesOf(node: LayerNode): { largestWeight: number; inner: number; knobs: string[] } {
  const s = LAYER_SIZES[node.type] as unknown as LayerSizes<LayerType>;
  return { largestWeight: s.largestWeight(node), inner: s.innerActivations(node), knobs: s.knobs(node.config) };
}
