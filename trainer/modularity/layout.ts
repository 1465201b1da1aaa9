/**
 * Which units take part in emergent modularity, and how weights connect them. A "clustered layer" is a
 * modular layer (masked) or the output layer (clustered only, so that subnetworks reach the logits).
 * Units are the last axis of a layer's output (dense units, conv channels); with `groups` > 1 a group of
 * consecutive units is one clustered item. Items of all clustered layers are numbered in one sequence.
 */
import type { ModularitySpec, LayerNode } from '../../spec/types';

export interface ClusteredLayer {
  id: string;
  type: 'dense' | 'conv2d';
  /** Output units (last axis). */
  units: number;
  /** Clustered items (units, or groups of units). */
  items: number;
  /** Units per item (1 without groups). */
  unitsPerItem: number;
  /** First item of this layer in the global numbering. */
  offset: number;
  /** Masked (a modular layer) or only clustered (the output layer). */
  masked: boolean;
  /** Rank of the layer's output (2 for dense on [B, D], 4 for conv). */
  outputRank: number;
}

/** The weight from clustered layer `from` into clustered layer `to`: how its kernel's input rows map to `from`'s units. */
export interface Connection {
  from: number;
  to: number;
  /**
   * dense after a flatten of a [H, W, C] output: kernel rows are (h·W + w)·C + c, so the kernel reshapes to
   * [positions, C, out]; 1 when the rows are the units themselves.
   */
  positions: number;
}

export interface UnitLayout {
  layers: ClusteredLayer[];
  connections: Connection[];
  /** Total clustered items. */
  items: number;
  /** Item index → layer index. */
  layerOf: Int32Array;
}

export function buildLayout(spec: ModularitySpec, nodes: LayerNode[]): UnitLayout {
  const ids = [...spec.layers, spec.outputLayer];
  const layers: ClusteredLayer[] = [];
  let offset = 0;
  for (const id of ids) {
    const n = nodes.find((x) => x.id === id);
    if (!n || (n.type !== 'dense' && n.type !== 'conv2d')) throw new Error(`modularity: layer '${id}' is not a top-level dense or conv2d layer of this model`);
    const units = n.outputShape[n.outputShape.length - 1]!;
    const masked = id !== spec.outputLayer;
    const unitsPerItem = masked && spec.groups > 1 ? units / spec.groups : 1;
    if (!Number.isInteger(unitsPerItem)) throw new Error(`modularity: layer '${id}' has ${units} units, not a multiple of groups (${spec.groups})`);
    const items = units / unitsPerItem;
    layers.push({ id, type: n.type, units, items, unitsPerItem, offset, masked, outputRank: n.outputShape.length + 1 });
    offset += items;
  }
  const connections: Connection[] = [];
  for (let i = 1; i < layers.length; i++) {
    const to = nodes.find((x) => x.id === layers[i]!.id)!;
    const fromUnits = layers[i - 1]!.units;
    const inDim = to.type === 'dense' ? to.inputShape[to.inputShape.length - 1]! : to.inputShape[to.inputShape.length - 1]!;
    const positions = inDim / fromUnits;
    if (!Number.isInteger(positions) || positions < 1) {
      throw new Error(`modularity: '${to.id}' takes ${inDim} inputs, which do not map onto the ${fromUnits} units of '${layers[i - 1]!.id}'`);
    }
    connections.push({ from: i - 1, to: i, positions });
  }
  const layerOf = new Int32Array(offset);
  layers.forEach((l, li) => layerOf.fill(li, l.offset, l.offset + l.items));
  return { layers, connections, items: offset, layerOf };
}

/** Expands item labels of one layer to unit labels (each item's label repeated over its units). */
export function unitLabels(layer: ClusteredLayer, itemLabels: Int32Array): Int32Array {
  const out = new Int32Array(layer.units);
  for (let u = 0; u < layer.units; u++) out[u] = itemLabels[layer.offset + Math.floor(u / layer.unitsPerItem)]!;
  return out;
}
