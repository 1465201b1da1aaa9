/**
 * The scores of one partition of one trained network: ablation specialization (and the best subnetwork's
 * per-task drops), agreement with the task each unit serves (NMI), Newman's Q of the hidden-unit weight
 * graph, and a seed-independent fingerprint for comparing partitions across seeds (ARI).
 */
import type { Dataset } from '../../trainer/data/types';
import { ablationTable, bestSpecialized, specialization } from '../../trainer/modularity/analysis/ablation';
import type { ContextExtras, ForwardNet } from '../../trainer/modularity/analysis/types';
import { dominantTask, unitTaskAttribution } from '../../trainer/modularity/analysis/unit-tasks';
import { adjustedRand, nmi, qModularity } from '../../trainer/modularity/cluster/metrics';
import { toPartition, type HiddenPartition, type NetWeights } from './partitions';

/** The acceptance rule of the issue: one task drops by at least this many points... */
export const ACCEPT_DROP = 30;
/** ...while every other task drops by at most this many. */
export const ACCEPT_SPARE = 5;

export interface PartitionScores {
  /** trainer/modularity/analysis/ablation.ts `specialization`, in [0, 1]. */
  specialization: number;
  /** Per-subnetwork units and drops (points, per task). */
  ablation: Array<{ subnetwork: number; units: number; drops: number[] }>;
  /** The subnetwork whose removal hurts one task most relative to the other (bestSpecialized). */
  best?: { subnetwork: number; task: number; margin: number; drops: number[] };
  /** Some subnetwork drops one task by ≥ ACCEPT_DROP points and every other by ≤ ACCEPT_SPARE. */
  accepted: boolean;
  /** NMI between subnetwork and dominant task over the units that serve a task (dominantTask ≠ −1). */
  nmi: number;
  /** Units counted in `nmi` (and `purity`). */
  nmiUnits: number;
  /** Fraction of those units whose dominant task is their subnetwork's majority task (1: every subnetwork serves one task). */
  purity: number;
  /** Newman's Q of the hidden-unit graph (see hiddenGraph) under this partition. */
  q: number;
  /** Subnetwork of each input feature, then of each logit, by total |w| mass (see fingerprint). */
  fingerprint: number[];
  /** The same by mean |w| per unit of the subnetwork (not biased towards large subnetworks). */
  fingerprintPerUnit: number[];
}

/** What a network contributes to the scores of all its partitions, computed once. */
export interface NetContext {
  net: ForwardNet;
  dataset: Dataset;
  /** The forward-context extras that reproduce the trained network (Dynaxx: its final masks). */
  context: ContextExtras;
  weights: NetWeights;
  /** Per hidden layer, the task each unit serves most (−1: it serves none). */
  dominant: Int32Array[];
  /** The hidden-unit graph (hiddenGraph). */
  graph: { adjacency: Float32Array; n: number };
}

export async function netContext(net: ForwardNet, dataset: Dataset, context: ContextExtras, weights: NetWeights, seed: number): Promise<NetContext> {
  const attribution = await unitTaskAttribution(net, dataset.validation, dataset.tasks, dataset.sampleShape, weights.hiddenIds, { context, seed });
  const dominant = weights.hiddenIds.map((id) => dominantTask(attribution.get(id)!, dataset.tasks));
  return { net, dataset, context, weights, dominant, graph: hiddenGraph(weights) };
}

export async function scorePartition(c: NetContext, p: HiddenPartition): Promise<PartitionScores> {
  const { dataset } = c;
  const table = await ablationTable(c.net, dataset.validation, dataset.tasks, dataset.sampleShape, toPartition(p, c.weights.hiddenIds), undefined, { context: c.context });
  const rows = table.rows;
  const best = bestSpecialized(rows);
  const accepted = rows.some((r) => {
    const d = r.accuracyDrop;
    return d.some((x, t) => x >= ACCEPT_DROP && d.every((y, s) => s === t || y <= ACCEPT_SPARE));
  });
  const task: number[] = [];
  const sub: number[] = [];
  p.labels.forEach((ls, l) => ls.forEach((k, u) => {
    const t = c.dominant[l]![u]!;
    if (t >= 0 && k >= 0) { task.push(t); sub.push(k); }
  }));
  const labels = concat(p.labels);
  return {
    specialization: specialization(rows),
    ablation: rows.map((r) => ({ subnetwork: r.subnetwork, units: r.units, drops: r.accuracyDrop.slice() })),
    best: best && { subnetwork: best.subnetwork, task: best.task, margin: best.margin, drops: best.drops },
    accepted,
    nmi: nmi(Int32Array.from(sub), Int32Array.from(task)),
    nmiUnits: task.length,
    purity: purity(sub, task),
    q: qModularity(c.graph.adjacency, c.graph.n, labels),
    fingerprint: Array.from(fingerprint(c.weights, p)),
    fingerprintPerUnit: Array.from(fingerprint(c.weights, p, true)),
  };
}

/**
 * The graph Q is measured on: nodes are the hidden units of every modular layer (hidden 1 then hidden 2,
 * …), edges |w| of the kernels between consecutive hidden layers (for the example: hidden1 → hidden2,
 * 128 × 128). Input features and logits are left out because (a) and (c) do not partition them; weights
 * of switched-off units are 0 (NetWeights).
 */
export function hiddenGraph(w: NetWeights): { adjacency: Float32Array; n: number } {
  const sizes = w.alive.map((a) => a.length);
  const offsets = [0];
  for (const s of sizes) offsets.push(offsets[offsets.length - 1]! + s);
  const n = offsets[offsets.length - 1]!;
  const adjacency = new Float32Array(n * n);
  for (let l = 0; l + 1 < sizes.length; l++) {
    const k = w.kernels[l + 1]!;
    for (let r = 0; r < k.rows; r++) {
      for (let col = 0; col < k.cols; col++) {
        const v = Math.abs(k.kernel[r * k.cols + col]!);
        const i = offsets[l]! + r;
        const j = offsets[l + 1]! + col;
        adjacency[i * n + j] = v;
        adjacency[j * n + i] = v;
      }
    }
  }
  return { adjacency, n };
}

/**
 * A labelling that means the same thing in every seed: each input feature gets the subnetwork holding
 * the most |w| from it into the first hidden layer (rows of the first kernel), each logit the subnetwork
 * holding the most |w| into it from the last hidden layer (columns of the output kernel); −1 when no
 * weight reaches it. Two seeds that find the same modules give the same fingerprint up to renaming.
 * Total mass favours large subnetworks (a feature read weakly by many units goes to the biggest one);
 * `perUnit` divides each subnetwork's mass by its working units in that layer.
 */
export function fingerprint(w: NetWeights, p: HiddenPartition, perUnit = false): Int32Array {
  const first = w.kernels[0]!;
  const last = w.kernels[w.kernels.length - 1]!;
  const inLabels = p.labels[0]!;
  const outLabels = p.labels[p.labels.length - 1]!;
  const out = new Int32Array(first.rows + last.cols);
  const count = (labels: Int32Array, alive: Float32Array) => {
    const n = new Float64Array(p.k);
    labels.forEach((k, u) => { if (k >= 0 && alive[u]! > 0) n[k]!++; });
    return n.map((x) => (perUnit ? Math.max(1, x) : 1));
  };
  const inCount = count(inLabels, w.alive[0]!);
  const outCount = count(outLabels, w.alive[w.alive.length - 1]!);
  const mass = new Float64Array(p.k);
  for (let i = 0; i < first.rows; i++) {
    mass.fill(0);
    for (let u = 0; u < first.cols; u++) if (inLabels[u]! >= 0) mass[inLabels[u]!]! += Math.abs(first.kernel[i * first.cols + u]!) / inCount[inLabels[u]!]!;
    out[i] = argMaxOrNone(mass);
  }
  for (let j = 0; j < last.cols; j++) {
    mass.fill(0);
    for (let u = 0; u < last.rows; u++) if (outLabels[u]! >= 0) mass[outLabels[u]!]! += Math.abs(last.kernel[u * last.cols + j]!) / outCount[outLabels[u]!]!;
    out[first.rows + j] = argMaxOrNone(mass);
  }
  return out;
}

/** Mean ARI over every pair of fingerprints (one per seed); NaN with fewer than two. */
export function meanPairwiseAri(prints: ArrayLike<number>[]): number {
  const vals: number[] = [];
  const p = prints.map((x) => Int32Array.from(x));
  for (let i = 0; i < p.length; i++) for (let j = i + 1; j < p.length; j++) vals.push(adjustedRand(p[i]!, p[j]!));
  return vals.length === 0 ? NaN : vals.reduce((a, b) => a + b, 0) / vals.length;
}

function purity(sub: number[], task: number[]): number {
  const counts = new Map<number, Map<number, number>>();
  sub.forEach((k, i) => {
    const row = counts.get(k) ?? new Map<number, number>();
    row.set(task[i]!, (row.get(task[i]!) ?? 0) + 1);
    counts.set(k, row);
  });
  let majority = 0;
  for (const row of counts.values()) majority += Math.max(...row.values());
  return sub.length === 0 ? NaN : majority / sub.length;
}

function argMaxOrNone(v: Float64Array): number {
  let best = -1;
  for (let i = 0; i < v.length; i++) if (v[i]! > 0 && (best < 0 || v[i]! > v[best]!)) best = i;
  return best;
}

function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
