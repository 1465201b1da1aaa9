/**
 * Which channels of a model can be removed, and what goes with them.
 *
 * A group is the output units/filters of one dense or conv2d layer (the producer) in a layer list (the top-level
 * list or a residual body, at any depth), read by the next weight layer of the same list (the consumer). Between
 * the two only layers that act on each channel separately may sit: dropout, activation (not softmax, which mixes
 * the channels), max/avg pooling, globalAvgPool2d, flatten, and batchNorm, whose per-channel gamma, beta, moving
 * mean and moving variance go with the channel (a *coupled* norm). Removing a channel then removes its column in
 * the producer, everything it passes through, and its input rows in the consumer, which is exact whatever the
 * activations in between do. A flatten of [H, W, C] spreads channel c over the features (h·W + w)·C + c. The walk
 * from producer to consumer and the removal itself are `trainer/surgery/` (shared with modularity extraction).
 *
 * Not prunable: the last weight layer of the model (the logits, its units are the classes), the last weight layer
 * of a residual body (its outputs are added to the residual stream, which every other block shares), and any
 * producer whose output reaches layerNorm (normalises over all channels), attention, embedding, transformer or a
 * residual boundary before its consumer. `notPrunable` says why, for the CLI.
 *
 * FLOPs and parameters per channel are differences of the spec's own per-layer counts (`spec/layers/*`: a
 * multiply-add counts 2), so they are exact for one group; two groups that share a layer (the consumer of one is
 * the producer of the other) save a little less together than the sum (the shared kernel entries count twice).
 */
import { attentionFlops, attentionInner, attentionParams } from '../../spec/layers/attention';
import { layerKind, type SimpleLayerType } from '../../spec/layers/registry';
import type { LayerNode, ModelFile } from '../../spec/types';
import { walkLayers } from '../../spec/walk';
import { isWeightLayer, label, lastDim, reach, type UnitPath, type WeightLayer } from '../surgery/layers';
import type { ChannelGroup } from './types';

/** A layer whose output channels cannot be removed, and why (one sentence, for the CLI). */
export interface NotPrunable {
  layer: string;
  reason: string;
}

/** A group with the resolved layers it spans (`positions` = `group.consumerPositions`). */
export interface GroupPath extends UnitPath {
  group: ChannelGroup;
}

/** Layers a channel passes through unchanged in number (and separately from the other channels). */
const CHANNELWISE = new Set(['dropout', 'activation', 'maxPool2d', 'avgPool2d', 'globalAvgPool2d', 'flatten', 'batchNorm']);

/** Every group that can lose channels, in model order (depth first). */
export function prunableGroups(model: ModelFile): ChannelGroup[] {
  return analyse(model).paths.map((p) => p.group);
}

/** Every dense/conv2d layer that cannot lose channels, with the reason. */
export function notPrunable(model: ModelFile): NotPrunable[] {
  return analyse(model).blocked;
}

/** Groups with their layers, by group id. */
export function groupPaths(model: ModelFile): Map<string, GroupPath> {
  return new Map(analyse(model).paths.map((p) => [p.group.id, p]));
}

function analyse(model: ModelFile): { paths: GroupPath[]; blocked: NotPrunable[] } {
  const paths: GroupPath[] = [];
  const blocked: NotPrunable[] = [];
  const visit = (layers: LayerNode[], owner: LayerNode | undefined): void => {
    layers.forEach((n, i) => {
      if (n.body) visit(n.body, n);
      if (!isWeightLayer(n)) return;
      const r = follow(layers, i, owner);
      if (typeof r === 'string') blocked.push({ layer: n.id, reason: r });
      else paths.push(r);
    });
  };
  visit(model.layers, undefined);
  return { paths, blocked };
}

/** The path from `layers[index]` to its consumer, or why there is none. */
function follow(layers: LayerNode[], index: number, owner: LayerNode | undefined): GroupPath | string {
  const producer = layers[index] as WeightLayer;
  if (producer.config.activation === 'softmax') return `${label(producer)} has a softmax activation, which mixes its units`;
  const { path, stop: n } = reach(layers, index, channelwise);
  if (path) return { ...path, group: describe(path) };
  // an activation stops a channel only when it is a softmax
  if (n?.type === 'activation') return `${label(producer)}: its output reaches ${label(n)} (softmax), which mixes the channels`;
  if (n) {
    const why = n.type === 'layerNorm' ? 'normalises over all channels' : n.type === 'residual' ? 'is a residual boundary' : 'mixes the channels';
    return `${label(producer)}: its output reaches ${label(n)} before the next dense/conv2d layer, and ${n.type} ${why}`;
  }
  return owner
    ? `${label(producer)} is the last weight layer of residual block '${owner.id}': its outputs are the residual stream`
    : `${label(producer)} feeds the model's output (the logits): its units are the outputs`;
}

/** Whether a channel passes `n` unchanged in number and separately from the other channels. */
function channelwise(n: LayerNode): boolean {
  return CHANNELWISE.has(n.type) && !(n.type === 'activation' && (n as LayerNode<'activation'>).config.activation === 'softmax');
}

function describe({ producer, between, consumer, positions }: UnitPath): ChannelGroup {
  const cut = (n: LayerNode, dIn: number, dOut: number): { flops: number; params: number } => {
    const kind = layerKind(n.type as SimpleLayerType);
    const less = (s: number[], d: number): number[] => [...s.slice(0, -1), s[s.length - 1] - d];
    let cfg = n.config;
    if (n === producer) cfg = { ...cfg, [n.type === 'conv2d' ? 'filters' : 'units']: lastDim(n.outputShape) - 1 } as LayerNode['config'];
    const [i, o] = [less(n.inputShape, dIn), less(n.outputShape, dOut)];
    return {
      flops: kind.flops(n.inputShape, n.outputShape, n.config as never) - kind.flops(i, o, cfg as never),
      params: kind.params(n.inputShape, n.config as never) - kind.params(i, cfg as never),
    };
  };
  const parts = [cut(producer, 0, 1), ...between.map((s) => cut(s.node, s.positionsIn, s.positionsOut)), cut(consumer, positions, 0)];
  return {
    id: producer.id,
    producer: producer.id,
    producerType: producer.type,
    channels: lastDim(producer.outputShape),
    coupledNorms: between.filter((s) => s.node.type === 'batchNorm').map((s) => s.node.id),
    consumer: consumer.id,
    consumerPositions: positions,
    flopsPerChannel: parts.reduce((a, p) => a + p.flops, 0),
    paramsPerChannel: parts.reduce((a, p) => a + p.params, 0),
  };
}

/**
 * Head groups (opt-in, not part of `prunableGroups`): one per attention layer of the model (top level or inside a
 * residual body; not the attention inside a `transformer` block) with at least two heads. Removing heads is
 * internal to the layer (its output stays [T, D]), so nothing around it changes. Per-head FLOPs and parameters are
 * differences of the spec's attention counts. Criteria: `random` and the magnitude ones (`l1`, `l2`, via
 * `kernelOf`, which views a head as its q, k, v columns); criteria that need statistics do not support them.
 */
export function headGroups(model: ModelFile): ChannelGroup[] {
  const out: ChannelGroup[] = [];
  for (const n of walkLayers(model.layers)) {
    if (n.type !== 'attention') continue;
    const node = n as LayerNode<'attention'>;
    const [t, d] = [node.inputShape[0], node.inputShape[1]];
    const { heads } = node.config;
    if (heads < 2) continue;
    const inner = attentionInner(d, node.config);
    const headDim = inner / heads;
    out.push({
      id: node.id,
      producer: node.id,
      producerType: 'attention',
      kind: 'heads',
      headDim,
      channels: heads,
      coupledNorms: [],
      consumer: node.id,
      consumerPositions: 1,
      flopsPerChannel: attentionFlops(t, d, heads, inner) - attentionFlops(t, d, heads - 1, inner - headDim),
      paramsPerChannel: attentionParams(d, inner) - attentionParams(d, inner - headDim),
    });
  }
  return out;
}
