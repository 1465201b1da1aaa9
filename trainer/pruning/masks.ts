/**
 * Masks: the dense model computing exactly what the pruned model computes.
 *
 * A removed channel is zeroed where its consumer reads it: the output of the last layer before the consumer (the
 * producer itself, or the batchNorm/activation/pool/dropout/flatten after it) is multiplied by a 0/1 mask on its
 * last axis (after a flatten, the mask repeats per position). The consumer then gets nothing from the channel,
 * whatever the layers in between make of a zero (f(0) ≠ 0, a batchNorm's shift), which is what removing its input
 * rows does. Fine-tuning between pruning steps runs with the same masks: a masked channel gets no gradient through
 * the consumer.
 *
 * A removed attention head (a head group, `kind: 'heads'`) is zeroed inside its layer: the attention module hands
 * its merged heads [B, T, heads·headDim] to `transformOutput` under the id `<layer id>/heads` before the output
 * projection (trainer/engine/layers/attention.ts), and the mask zeroes the head's headDim columns there, which is
 * what removing them from q, k, v and the output kernel's rows does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelFile } from '../../spec/types';
import type { ForwardContext } from '../engine/module';
import { headColumns, lastDim, spread } from '../surgery/layers';
import { groupPaths } from './structure';
import type { ChannelGroup, PruningPlan } from './types';

export type OutputTransform = NonNullable<ForwardContext['transformOutput']>;

/**
 * Layer id -> its 0/1 mask over the last axis, for the groups of `plan` (groups keeping everything: none). Head
 * groups: `<attention id>/heads` -> a mask over heads·headDim.
 */
export function maskVectors(model: ModelFile, groups: ChannelGroup[], plan: PruningPlan): Map<string, Float32Array> {
  const paths = groupPaths(model);
  const masks = new Map<string, Float32Array>();
  for (const g of groups) {
    const kept = plan.get(g.id);
    if (!kept || kept.length === g.channels) continue;
    if (g.kind === 'heads') {
      const m = new Float32Array(g.channels * g.headDim!);
      for (const i of headColumns(kept, g.headDim!)) m[i] = 1;
      masks.set(`${g.id}/heads`, m);
      continue;
    }
    const path = paths.get(g.id);
    if (!path) throw new Error(`prune: '${g.id}' is not a prunable group of ${model.file}`);
    const at = path.between.length > 0 ? path.between[path.between.length - 1].node : path.producer;
    const width = lastDim(at.outputShape);
    const m = masks.get(at.id) ?? new Float32Array(width);
    if (!masks.has(at.id)) masks.set(at.id, m);
    for (const i of spread(kept, g.channels, g.consumerPositions)) m[i] = 1;
  }
  return masks;
}

/**
 * A `ForwardContext.transformOutput` that applies the plan's masks (by module id, residual bodies included), and
 * hands every other output through unchanged.
 */
export function planMasks(model: ModelFile, groups: ChannelGroup[], plan: PruningPlan): OutputTransform {
  const masks = maskVectors(model, groups, plan);
  return (layerId, y) => {
    const m = masks.get(layerId);
    return m ? tf.mul(y, tf.tensor1d(m)) : y;
  };
}
