/**
 * The results of one seed (both trainings, three partitions) and the summary over seeds that the table
 * and the JSON report: per partition method, per training arm.
 */
import type { AblationResult } from './ablations';
import { meanPairwiseAri, type PartitionScores } from './scores';
import { epochsToTarget, mean, type ArmRun } from './train';

export type Method = 'dynaxx' | 'spectral' | 'random';

export interface ArmStats {
  /** Validation accuracy (mean over tasks) after each epoch. */
  valAccuracy: number[];
  /** Final validation accuracy per task and their mean. */
  finalAccuracy: number;
  taskAccuracy: Record<string, number>;
  epochsToTarget?: number;
  /** Mean and median wall ms per step (train.ts: ArmRun.stepMs). */
  stepMs: number;
  stepMsMedian: number;
  timedSteps: number;
  steps: number;
  /** Dynaxx: clustering calls, their total host ms, and that total spread over every step. */
  clusterings?: number;
  clusteringMs?: number;
  clusteringMsPerStep?: number;
  /** Dynaxx: open/closed subnetworks after hardening. */
  hard?: number[];
  seconds: number;
}

export function armStats(r: ArmRun, target: number): ArmStats {
  const tasks = Object.values(r.finalTaskAccuracy);
  const s: ArmStats = {
    valAccuracy: r.valAccuracy,
    finalAccuracy: tasks.length > 0 ? mean(tasks) : r.result.final.valAccuracy ?? NaN,
    taskAccuracy: r.finalTaskAccuracy,
    epochsToTarget: epochsToTarget(r.valAccuracy, target),
    stepMs: mean(r.stepMs),
    stepMsMedian: median(r.stepMs),
    timedSteps: r.stepMs.length,
    steps: r.result.step,
    seconds: r.seconds,
  };
  if (r.arm === 'dynaxx') {
    const total = r.clusteringMs.reduce((a, b) => a + b, 0);
    Object.assign(s, { clusterings: r.clusteringMs.length, clusteringMs: total, clusteringMsPerStep: total / Math.max(1, r.result.step), hard: r.hardened?.hard });
  }
  return s;
}

export interface SeedResult {
  seed: number;
  training: { dynaxx: ArmStats; plain: ArmStats };
  /** Subnetworks of (a) with a working unit: k of (b). */
  k: number;
  sizes: { dynaxx: number[]; spectral: number[] };
  dynaxx: PartitionScores;
  spectral: PartitionScores;
  /** One per random draw. */
  random: PartitionScores[];
  /** (a) as the row 'full', then each ablation arm trained for this seed. */
  ablations?: AblationResult[];
}

/** One partition method over all seeds. */
export interface MethodSummary {
  method: Method;
  /** Per seed (random: the mean over draws). */
  specialization: number[];
  nmi: number[];
  purity: number[];
  q: number[];
  /** Per seed: the best subnetwork's drops (points, per task; random: the mean over draws). */
  bestDrops: number[][];
  /** Per seed: whether the acceptance rule holds (random: the fraction of draws where it does). */
  accepted: number[];
  /** Mean ARI of the fingerprints over pairs of seeds (random: pairs of the same draw index, averaged). */
  ari: number;
  /** The same with the per-unit fingerprints. */
  ariPerUnit: number;
}

export interface ArmSummary {
  arm: 'dynaxx' | 'plain';
  finalAccuracy: number[];
  epochsToTarget: Array<number | null>;
  stepMs: number[];
  stepMsMedian: number[];
  clusteringMsPerStep?: number[];
}

export interface Summary {
  methods: MethodSummary[];
  arms: ArmSummary[];
  /** Per seed: (mean dynaxx step − mean plain step) / mean plain step, in %. */
  overheadPct: number[];
  /** The same from median step times (less sensitive to other load on the machine). */
  overheadPctMedian: number[];
  /** Per seed: the clustering's share of that, ms of clustering per step / mean plain step, in %. */
  clusteringPct: number[];
}

export function summarize(seeds: SeedResult[]): Summary {
  const method = (m: Method): MethodSummary => {
    const per = (f: (s: PartitionScores) => number) => seeds.map((s) => (m === 'random' ? mean(s.random.map(f)) : f(s[m])));
    const drops = seeds.map((s) => {
      const list = m === 'random' ? s.random : [s[m]];
      const T = list[0]?.best?.drops.length ?? 0;
      return Array.from({ length: T }, (_, t) => mean(list.map((x) => x.best?.drops[t] ?? NaN)));
    });
    const ari = (f: (s: PartitionScores) => number[]) => {
      if (m !== 'random') return meanPairwiseAri(seeds.map((s) => f(s[m])));
      const draws = Math.min(...seeds.map((s) => s.random.length));
      return mean(Array.from({ length: draws }, (_, d) => meanPairwiseAri(seeds.map((s) => f(s.random[d]!)))));
    };
    return {
      method: m,
      specialization: per((x) => x.specialization),
      nmi: per((x) => x.nmi),
      purity: per((x) => x.purity),
      q: per((x) => x.q),
      bestDrops: drops,
      accepted: per((x) => (x.accepted ? 1 : 0)),
      ari: ari((x) => x.fingerprint),
      ariPerUnit: ari((x) => x.fingerprintPerUnit),
    };
  };
  const arm = (a: 'dynaxx' | 'plain'): ArmSummary => ({
    arm: a,
    finalAccuracy: seeds.map((s) => s.training[a].finalAccuracy),
    epochsToTarget: seeds.map((s) => s.training[a].epochsToTarget ?? null),
    stepMs: seeds.map((s) => s.training[a].stepMs),
    stepMsMedian: seeds.map((s) => s.training[a].stepMsMedian),
    ...(a === 'dynaxx' ? { clusteringMsPerStep: seeds.map((s) => s.training.dynaxx.clusteringMsPerStep ?? NaN) } : {}),
  });
  return {
    methods: (['dynaxx', 'spectral', 'random'] as const).map(method),
    arms: [arm('dynaxx'), arm('plain')],
    overheadPct: seeds.map((s) => 100 * (s.training.dynaxx.stepMs / s.training.plain.stepMs - 1)),
    overheadPctMedian: seeds.map((s) => 100 * (s.training.dynaxx.stepMsMedian / s.training.plain.stepMsMedian - 1)),
    clusteringPct: seeds.map((s) => 100 * (s.training.dynaxx.clusteringMsPerStep ?? NaN) / s.training.plain.stepMs),
  };
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
