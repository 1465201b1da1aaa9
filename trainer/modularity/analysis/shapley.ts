/**
 * Shapley contribution of each subnetwork to each task's accuracy, approximated by Monte-Carlo
 * permutation sampling. The value of a coalition S is the accuracy with only the subnetworks in S kept
 * (the others masked; unassigned units always kept). Each sampled permutation adds the subnetworks one
 * by one and credits each with the accuracy it adds, so per permutation the credits sum to
 * v(all) − v(none) exactly; the estimates are the means over permutations. Coalition values are
 * cached, so a coalition seen in several permutations is evaluated once.
 */
import { deriveSeed, Rng } from '../../data/rng';
import type { Split, TaskInfo } from '../../data/types';
import { evaluateMasked, masksKeeping, type MaskedEvalOptions } from './masked-eval';
import { subsampleSplit } from './subsample';
import type { ForwardNet, Partition, UnitMasks } from './types';

export interface ShapleyOptions extends MaskedEvalOptions {
  /** Sampled permutations (default 20). */
  permutations?: number;
  seed?: number;
  /** Evaluate on at most this many samples of the split, a seeded subset (default 1024). */
  maxSamples?: number;
  /** Masks applied in every coalition (e.g. pruning masks); the partition's masks multiply them. */
  base?: UnitMasks;
}

export interface ShapleyResult {
  /** [subnetwork][task], accuracy points (0-100) each subnetwork contributes. */
  values: number[][];
  /** [subnetwork][task], standard error of the estimate over permutations (0 with one permutation). */
  stderr: number[][];
  /** Per task, accuracy points with every subnetwork kept, v(all). */
  all: number[];
  /** Per task, accuracy points with every subnetwork removed, v(none). */
  none: number[];
  permutations: number;
  /** Samples each coalition was evaluated on. */
  samples: number;
  /** Distinct coalitions evaluated (the cost). */
  evaluations: number;
}

/** At most this many subnetworks: coalitions are keyed by an integer bitmask. */
export const MAX_SHAPLEY_SUBNETWORKS = 30;

export async function shapleyValues(
  net: ForwardNet,
  split: Split,
  tasks: TaskInfo[],
  sampleShape: number[],
  partition: Partition,
  opts: ShapleyOptions = {},
): Promise<ShapleyResult> {
  const K = partition.k;
  const T = tasks.length;
  if (K > MAX_SHAPLEY_SUBNETWORKS) throw new Error(`Shapley analysis supports at most ${MAX_SHAPLEY_SUBNETWORKS} subnetworks, the partition has ${K}`);
  const P = Math.max(1, Math.floor(opts.permutations ?? 20));
  const seed = opts.seed ?? 0;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const data = subsampleSplit(split, size, T, opts.maxSamples ?? 1024, deriveSeed(seed, 'shapley', 'samples'));

  const cache = new Map<number, number[]>();
  const value = async (mask: number): Promise<number[]> => {
    const hit = cache.get(mask);
    if (hit !== undefined) return hit;
    const keep = new Set<number>();
    for (let k = 0; k < K; k++) if (mask & (1 << k)) keep.add(k);
    const r = await evaluateMasked(net, data, tasks, sampleShape, masksKeeping(partition, keep, opts.base), opts);
    const v = r.accuracy.map((a) => 100 * a);
    cache.set(mask, v);
    return v;
  };

  const fullMask = K === 0 ? 0 : (1 << K) - 1 >>> 0;
  const none = await value(0);
  const all = await value(fullMask);
  // marginal contributions per permutation, [permutation][k][t]
  const marginals: number[][][] = [];
  const rng = new Rng(deriveSeed(seed, 'shapley', 'permutations'));
  const order = new Uint32Array(K);
  for (let p = 0; p < P; p++) {
    for (let k = 0; k < K; k++) order[k] = k;
    rng.shuffle(order);
    const m = grid(K, T);
    let mask = 0;
    let prev = none;
    for (const k of order) {
      mask = (mask | (1 << k)) >>> 0;
      const cur = await value(mask);
      for (let t = 0; t < T; t++) m[k][t] = cur[t] - prev[t];
      prev = cur;
    }
    marginals.push(m);
  }
  const values = grid(K, T).map((row, k) => row.map((_, t) => marginals.reduce((a, m) => a + m[k][t], 0) / P));
  // two-pass variance: no cancellation when the marginals barely vary
  const stderr = values.map((row, k) =>
    row.map((mean, t) => (P < 2 ? 0 : Math.sqrt(marginals.reduce((a, m) => a + (m[k][t] - mean) ** 2, 0) / (P - 1) / P))),
  );
  return { values, stderr, all, none, permutations: P, samples: data.n, evaluations: cache.size };
}

function grid(rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}
