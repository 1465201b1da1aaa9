/**
 * Where a group's channels are observed in the forward pass, shared by the calibration statistics
 * (`../stats.ts`) and the AGF tracker (`agf-tracker.ts`).
 *
 * - The *tap* of a group is the last layer before its consumer (the producer itself, or the batchNorm /
 *   activation / pool / dropout / flatten after it). `../masks.ts` removes a channel by zeroing it there, so a
 *   first-order Taylor term taken at the tap estimates exactly the loss change of removing the channel.
 *   After a flatten of [H, W, C] channel c sits at features (h·W + w)·C + c: a [B, P, C] view of the tap's
 *   output holds channel c on its last axis, P = H·W positions.
 * - The *input* of a producer is the output of the layer before it in its list, or the input of the list's
 *   container (a residual body's first layer reads what the residual block reads), or the model input.
 */
import type { LayerNode } from '../../../spec/types';
import type { ChannelGroup } from '../types';

export interface Tap {
  group: ChannelGroup;
  /** Layer id of the tap. */
  layer: string;
  /** The tap's per-sample output shape. */
  shape: number[];
  /** Positions per channel in the tap's output (its size / channels). */
  positions: number;
}

const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** The list (top level or a residual body, any depth) that holds `id`, with its index. */
function findInList(layers: LayerNode[], id: string): { list: LayerNode[]; index: number } | undefined {
  const i = layers.findIndex((n) => n.id === id);
  if (i >= 0) return { list: layers, index: i };
  for (const n of layers) {
    const found = n.body ? findInList(n.body, id) : undefined;
    if (found) return found;
  }
  return undefined;
}

/** The tap of every group, in the order given. */
export function groupTaps(layers: LayerNode[], groups: ChannelGroup[]): Tap[] {
  return groups.map((group) => {
    const p = findInList(layers, group.producer);
    if (!p) throw new Error(`pruning: group '${group.id}': the model has no layer '${group.producer}'`);
    const ci = p.list.findIndex((n, i) => i > p.index && n.id === group.consumer);
    if (ci < 0) throw new Error(`pruning: group '${group.id}': consumer '${group.consumer}' does not follow '${group.producer}' in its layer list`);
    const node = p.list[ci - 1]!;
    const n = size(node.outputShape);
    if (n % group.channels !== 0) throw new Error(`pruning: group '${group.id}': tap '${node.id}' has ${n} features, not a multiple of ${group.channels} channels`);
    return { group, layer: node.id, shape: [...node.outputShape], positions: n / group.channels };
  });
}

/** Layer id whose output each producer reads (null: the model input). */
export function producerInputs(layers: LayerNode[], producers: Iterable<string>): Map<string, string | null> {
  const inputOf = new Map<string, string | null>();
  const visit = (list: LayerNode[], before: string | null): void => {
    list.forEach((n, i) => {
      const prev = i === 0 ? before : list[i - 1]!.id;
      inputOf.set(n.id, prev);
      if (n.body) visit(n.body, prev);
    });
  };
  visit(layers, null);
  const out = new Map<string, string | null>();
  for (const p of producers) {
    if (!inputOf.has(p)) throw new Error(`pruning: the model has no layer '${p}'`);
    out.set(p, inputOf.get(p)!);
  }
  return out;
}
