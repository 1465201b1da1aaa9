/**
 * The three partitions of hidden units compared by the benchmark, and the weights they are read against:
 * (a) Dynaxx's subnetworks, (b) Filan et al.'s spectral clustering of a normally trained network's weight
 * graph, (c) random relabellings of (a)'s network with exactly (a)'s subnetwork sizes per layer.
 * A partition labels the units of the hidden (modular) layers only; the output layer is never ablated.
 */
import { deriveSeed, Rng } from '../../trainer/data/rng';
import type { TrainingLoop } from '../../trainer/engine/loop';
import type { Partition } from '../../trainer/modularity/analysis/types';
import { spectralClustering, weightGraph, type LayerKernel } from '../../trainer/modularity/cluster/spectral';
import { unitLabels } from '../../trainer/modularity/layout';
import type { ModularityResult } from '../../trainer/modularity/plugin';

/**
 * The dense kernels of input → hidden 1 → … → hidden L → output, with every weight into or out of a
 * switched-off unit set to 0 (Dynaxx's closed subnetworks; the plain network has none), so that graph
 * scores see the network that actually computes.
 */
export interface NetWeights {
  hiddenIds: string[];
  outputId: string;
  /** L + 1 kernels, row-major [inputs, outputs]. */
  kernels: LayerKernel[];
  /** Per hidden layer: 1 for a working unit, 0 for a switched-off one. */
  alive: Float32Array[];
}

export interface HiddenPartition {
  k: number;
  /** Per hidden layer, a label in 0..k-1 per unit. */
  labels: Int32Array[];
}

export async function readWeights(loop: TrainingLoop, hiddenIds: string[], outputId: string, alive?: Float32Array[]): Promise<NetWeights> {
  const ids = [...hiddenIds, outputId];
  const kernels: LayerKernel[] = [];
  for (const id of ids) {
    const v = loop.net.trainable().find((x) => x.name === `${id}/kernel`);
    if (!v || v.variable.shape.length !== 2) throw new Error(`layer '${id}' has no dense kernel; the benchmark reads dense layers only`);
    const [rows, cols] = v.variable.shape as [number, number];
    kernels.push({ kernel: Float32Array.from((await v.variable.data()) as Float32Array), rows, cols });
  }
  const on = alive ?? hiddenIds.map((_, l) => new Float32Array(kernels[l]!.cols).fill(1));
  on.forEach((a, l) => {
    const into = kernels[l]!;
    const out = kernels[l + 1]!;
    for (let u = 0; u < a.length; u++) {
      if (a[u]! > 0) continue;
      for (let r = 0; r < into.rows; r++) into.kernel[r * into.cols + u] = 0;
      out.kernel.fill(0, u * out.cols, (u + 1) * out.cols);
    }
  });
  return { hiddenIds, outputId, kernels, alive: on };
}

/** (a): Dynaxx's labels of the masked layers' units, and which units its final masks keep. */
export function dynaxxPartition(r: ModularityResult): { partition: HiddenPartition; alive: Float32Array[]; hiddenIds: string[]; outputId: string } {
  const masked = r.layout.layers.filter((l) => l.masked);
  const output = r.layout.layers.find((l) => !l.masked)!;
  const labels = masked.map((l) => unitLabels(l, r.labels));
  const alive = labels.map((ls) => Float32Array.from(ls, (k) => (r.masks[k]! > 0.5 ? 1 : 0)));
  return { partition: { k: r.k, labels }, alive, hiddenIds: masked.map((l) => l.id), outputId: output.id };
}

/** Subnetworks with at least one working unit. */
export function liveSubnetworks(p: HiddenPartition, alive: Float32Array[]): number {
  const seen = new Set<number>();
  p.labels.forEach((ls, l) => ls.forEach((k, u) => {
    if (alive[l]![u]! > 0 && k >= 0) seen.add(k);
  }));
  return seen.size;
}

/**
 * (b): Filan et al. (2021): spectral clustering of the whole weight graph (input features, every hidden
 * unit and the logits as nodes, |w| as edges) into k clusters; the hidden units keep their cluster.
 * Some clusters may hold no hidden unit (only inputs or logits).
 */
export function spectralPartition(w: NetWeights, k: number, seed: number): HiddenPartition {
  const g = weightGraph(w.kernels);
  const all = spectralClustering(g.adjacency, g.n, k, deriveSeed(seed, 'bench-modularity', 'spectral'));
  return { k, labels: w.hiddenIds.map((_, l) => all.slice(g.offsets[l + 1]!, g.offsets[l + 2]!)) };
}

/**
 * (c): `draws` random partitions with the sizes of `base` in every layer: the labels of the working units
 * are shuffled among themselves, switched-off units keep theirs (they compute nothing either way).
 */
export function randomPartitions(base: HiddenPartition, alive: Float32Array[], draws: number, seed: number): HiddenPartition[] {
  const rng = new Rng(deriveSeed(seed, 'bench-modularity', 'random'));
  return Array.from({ length: draws }, () => ({
    k: base.k,
    labels: base.labels.map((ls, l) => {
      const out = Int32Array.from(ls);
      const idx = [...out.keys()].filter((u) => alive[l]![u]! > 0);
      const vals = Int32Array.from(idx, (u) => out[u]!);
      rng.shuffle(vals);
      idx.forEach((u, i) => (out[u] = vals[i]!));
      return out;
    }),
  }));
}

/** The analysis' Partition (layer ids with unit labels). */
export function toPartition(p: HiddenPartition, hiddenIds: string[]): Partition {
  return { k: p.k, layers: hiddenIds.map((layerId, l) => ({ layerId, labels: p.labels[l]! })) };
}

/** Units per subnetwork, over all hidden layers. */
export function sizes(p: HiddenPartition): number[] {
  const s = new Array<number>(p.k).fill(0);
  for (const ls of p.labels) for (const k of ls) if (k >= 0 && k < p.k) s[k]!++;
  return s;
}
