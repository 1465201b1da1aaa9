/**
 * Every report a run stores, declared once: its name (`reports/<name>.json` in the run directory) and the type of
 * what it holds. The techniques write them (trainer/modularity, pruning, routing, dna), the run store reads and
 * writes them by these names only (`RunDir.readReport`/`writeReport`, typed by `StoredReports`), the collector turns
 * them into what the dashboard shows, and the trainer's requests (`modularity/report`, `prune/report`, `dna/report`,
 * `run/dashboard`) return them typed. Types only, no tfjs: the extension and the webviews import this file too.
 *
 * The DNA path statistics keep their own file (protocol/dna.ts); their report name is here with the others.
 */
import type { PruneSpec } from '../spec/types';
import type { DnaReport } from './dna';

export type { DnaReport } from './dna';

// ---------------------------------------------------------------------------------------------
// Emergent modularity (seed 000): reports/modularity.json, reports/modularity-history.json, growth.json, transfer.json

export type ModularityPhase = 'warmup' | 'soft' | 'hard';

/** One subnetwork of a modular run, as `reports/modularity.json` holds it. */
export interface SubnetworkReport {
  id: number;
  /** Open mask at the end (hard masks: kept in the export). */
  kept: boolean;
  mask: number;
  /** Units per modular layer, and their indices. */
  units: Record<string, number>;
  indices: Record<string, number[]>;
  /** Incoming weights (and biases) of its units. */
  params: number;
  /** params / the model's parameters. */
  paramShare: number;
  /** Accuracy lost per task when it is removed, points. */
  accuracyDrop: number[];
  /** Per task, per class, points (null where the class is absent). */
  classDrop: Array<Array<number | null>>;
  /** Approximate Shapley contribution per task (points) and its standard error. */
  shapley?: { values: number[]; stderr: number[] };
  /** The task most of its units serve (by gradient attribution), or null. */
  task: string | null;
}

/** The subnetwork whose removal hurts one task most relative to the others. */
export interface SpecializedSubnetwork {
  subnetwork: number;
  /** The task it serves most (largest drop). */
  task: number;
  /** Largest drop minus the largest drop of any other task, in points (drops clipped at 0). */
  margin: number;
  /** Its per-task drops, in points, as in the row. */
  drops: number[];
}

/** `reports/modularity.json`: the analysis at the end of a modular run (trainer/modularity/report.ts). */
export interface ModularityReport {
  version: 1;
  step: number;
  k: number;
  hardened: boolean;
  clustering: string;
  split: string;
  /** Samples of the split the ablations ran on. */
  samples: number;
  tasks: Array<{ name: string; classes: number; labels?: string[] }>;
  layers: Array<{ id: string; units: number; masked: boolean; labels: number[] }>;
  /** Accuracy per task of the model as trained (masks applied). */
  accuracy: number[];
  subnetworks: SubnetworkReport[];
  /** Subnetworks with units and an open mask. */
  active: number;
  specialization: number;
  /** The most specialised subnetwork, chosen on `bestChosenOn`; its drops and margin are on `split`. */
  best?: SpecializedSubnetwork;
  /** The split `best` was chosen on (validation, or a training sample); absent in reports stored before issue 16. */
  bestChosenOn?: string;
  /** NMI between subnetwork labels and each unit's dominant task (units that serve no task left out). */
  nmi: number;
  /** Newman's Q of the weight graph between consecutive modular layers under the partition (null with one modular layer). */
  qModularity: number | null;
  export?: { dir: string; params: number; flops: number; accuracy: number[]; fullParams: number; fullFlops: number; removed: Record<string, number> };
}

/** One clustering of a modular run (how assignments changed over time). */
export interface ClusteringRecord {
  step: number;
  phase: ModularityPhase;
  /** Subnetwork of every clustered item, in layout order. */
  labels: number[];
  /** Items whose subnetwork changed since the previous clustering. */
  changed: number;
  /** Subnetworks with units in a modular layer and an open mask. */
  active: number;
  /** Mask of each subnetwork at this step. */
  masks: number[];
  modularityWeight: number;
  temperature: number;
  /** Clustering time on the host, ms. */
  ms: number;
}

/** When the masks became hard, and which subnetworks were kept. */
export interface HardenRecord { step: number; hard: number[]; masks: number[]; kept: number }

/** `reports/modularity-history.json`: every clustering of a modular run, rewritten at each one. */
export interface ModularityHistory {
  /** The clustered layers in layout order (filled at the end of the run): `labels` index their items. */
  layers: Array<{ id: string; items: number; unitsPerItem: number; masked: boolean }>;
  k: number;
  clusterings: ClusteringRecord[];
  hardened?: HardenRecord;
}

/** `reports/growth.json`: a grown run's old tasks before and after growth. */
export interface GrowthReport {
  parent: string;
  added: number;
  unitsAdded: Record<string, number>;
  oldTasks: string[];
  newTasks: string[];
  /** Old tasks' accuracy on the new data's split, before growth (the parent model) and after. */
  before: number[];
  after: number[];
  /** Accuracy lost per old task, in points (before − after). */
  forgetting: number[];
  newAccuracy: number[];
  /** The frozen weights are bit-identical to the parent's after growth training (false after a joint fine-tune that changed them). */
  frozenIdentical: boolean;
  maxFrozenChange: number;
  jointSteps: number;
  split: string;
}

export interface TransferRow {
  subnetwork: number;
  units: number;
  cosine: number;
  /** ‖mean new-task gradient‖ / ‖mean old-task gradient‖. */
  ratio: number;
  /** `ratio` divided by the same ratio over all subnetworks together. */
  relative: number;
  advice: 'keep' | 'retrain';
}

/** `reports/transfer.json`: per subnetwork, keep or retrain it for new data. */
export interface TransferReport {
  run: string;
  data: string;
  samples: number;
  /** The split the gradients were taken on, of the run's data and of the new data (never test; absent in older reports). */
  splits?: { old: 'validation' | 'train'; new: 'validation' | 'train' };
  rows: TransferRow[];
}

// ---------------------------------------------------------------------------------------------
// Pruning and routing (seed 002): reports/pareto.json, reports/routing.json

export interface ParetoPoint {
  criterion: string;
  /** The FLOP reduction asked for, percent. */
  target: number;
  seed: number;
  flops: number;
  params: number;
  /** Achieved reduction, fraction of the dense FLOPs. */
  flopReduction: number;
  /** Per task, on the report split (`SweepResult.split`). */
  accuracy: number[];
  /** Mean over tasks. */
  accuracyMean: number;
  /**
   * The same accuracies on the selection split (`SweepResult.selectionSplit`): what a choice among points reads
   * (the routed expert, the best criterion per target), never `accuracy`. Absent in sweeps stored before issue 16.
   */
  selection?: SplitAccuracy;
  /** Median ms per batch of `latencyBatch` samples, and the dense model's in the same measurement. */
  latencyMs: number;
  denseLatencyMs: number;
  speedup: number;
  /** Channels kept per group of the dense model (original indices), for stability and export. */
  kept: Record<string, number[]>;
}

/** Accuracy per task and its mean, on one split. */
export interface SplitAccuracy { accuracy: number[]; accuracyMean: number }

/** `reports/pareto.json`: the pruning sweep (trainer/pruning/sweep.ts). */
export interface SweepResult {
  version: 1;
  model: string;
  /** The split every `accuracy` is measured on: `test`, or what stands in for it (trainer/data/eval-split.ts). */
  split: string;
  /** The split choices among points are made on (`selection` of each point): `validation`, or what stands in for it. */
  selectionSplit?: string;
  /** Set when the data has no validation or no test split: what was chosen and reported on instead. */
  splitNote?: string;
  tasks: string[];
  settings: PruneSpec;
  /** What tables and charts call each criterion (`wanda (channel sum)`), by id; the id where absent. */
  criterionLabels?: Record<string, string>;
  lr: number;
  backend: string;
  /** The dense model trained for the same scoring + fine-tuning steps as every pruned model (the fair reference). */
  dense: { flops: number; params: number; accuracy: number[]; accuracyMean: number; latencyMs: number; selection?: SplitAccuracy };
  groups: Array<{ id: string; channels: number }>;
  points: ParetoPoint[];
  /** criterion → target → mean Jaccard of kept channels over seed pairs (only with seeds ≥ 2). */
  stability: Record<string, Record<string, number>>;
}

export type ConfidenceSignal = 'maxProb' | 'entropy';

/** Expected costs of a routed system, relative to the full expert (trainer/routing/confidence.ts). */
export interface RoutingCost {
  /** c_p = prunedFlops / fullFlops. */
  prunedCost: number;
  /** Fraction of inputs sent to the full expert. */
  shareFull: number;
  /** Cascade: c_p + shareFull (every input runs the pruned expert, routed ones also the full one). */
  expectedCost: number;
  /** Free decision: (1 − shareFull)·c_p + shareFull. */
  expectedCostFreeDecision: number;
}

/** One operating point of the routed system. */
export interface RoutedPoint extends RoutingCost {
  threshold: number;
  routed: number;
  /** Accuracy of the routed system: pruned prediction for kept samples, full for routed ones (mean over tasks). */
  accuracy: number;
}

export interface RoutingSweepPoint extends RoutedPoint {
  accuracyFull: number;
  accuracyPruned: number;
}

/** The routing sweep on one split. */
export interface RoutingCurve {
  samples: number;
  accuracyFull: number;
  accuracyPruned: number;
  /** Sorted by threshold, ascending (shareFull rises with it for maxProb, falls for entropy). */
  points: RoutingSweepPoint[];
  /**
   * The operating point: the cheapest threshold with accuracy ≥ accuracyFull − tolerance (ties: the more accurate)
   * on the split it is chosen on. In a result with `selection` it was chosen there, and these are its numbers on
   * `split` (where it may lose a little). Always present with the default thresholds; undefined when user thresholds
   * never reach that accuracy.
   */
  noLoss?: RoutingSweepPoint;
}

/**
 * The routing threshold sweep (trainer/routing/sweep.ts). Its numbers are on `split` (test); the thresholds and
 * `noLoss` were chosen on `selection.split` (validation), whose own sweep `selection` holds.
 */
export interface RoutingSweepResult extends RoutingCurve {
  signal: ConfidenceSignal;
  /** c_p = prunedFlops / fullFlops. */
  prunedCost: number;
  tolerance: number;
  /** The split the numbers are measured on; absent in reports stored before issue 16. */
  split?: string;
  /** The same sweep on the split the thresholds and the operating point were chosen on. */
  selection?: RoutingCurve & { split: string };
}

/** How the routed pruned expert was chosen: `route.criterion`, or the most accurate criterion on `split`. */
export interface ExpertChoice {
  by: 'route.criterion' | 'accuracy';
  /** The split the candidates' accuracies were compared on (the selection split). */
  split: string;
  /** Its mean accuracy there. */
  accuracyMean: number;
  /** Criteria it was chosen among (one with `route.criterion`). */
  candidates: string[];
}

/**
 * `reports/routing.json`: the routing sweep, with the pruned expert it routed to (at `route.target`: `route.criterion`,
 * or the most accurate criterion on the selection split, `expert`), and `splitNote` when the data lacks a split.
 */
export type RoutingReport = RoutingSweepResult & { criterion: string; target: number; expert?: ExpertChoice; splitNote?: string };

// ---------------------------------------------------------------------------------------------
// The names

/** What each report holds, by name: `RunDir.readReport(name)` returns `StoredReports[name]`. */
export interface StoredReports {
  modularity: ModularityReport;
  'modularity-history': ModularityHistory;
  growth: GrowthReport;
  transfer: TransferReport;
  pareto: SweepResult;
  routing: RoutingReport;
  /** protocol/dna.ts. */
  dna: DnaReport;
}
export type ReportName = keyof StoredReports;

export const MODULARITY_REPORT = 'modularity' satisfies ReportName;
export const MODULARITY_HISTORY = 'modularity-history' satisfies ReportName;
export const GROWTH_REPORT = 'growth' satisfies ReportName;
export const TRANSFER_REPORT = 'transfer' satisfies ReportName;
export const PARETO_REPORT = 'pareto' satisfies ReportName;
export const ROUTING_REPORT = 'routing' satisfies ReportName;
export const DNA_REPORT = 'dna' satisfies ReportName;

/** The file of each report in the run's `reports/` folder (every name, exactly once: the mapped type checks it). */
const REPORT_FILES: { readonly [N in ReportName]: `${N}.json` } = {
  modularity: 'modularity.json',
  'modularity-history': 'modularity-history.json',
  growth: 'growth.json',
  transfer: 'transfer.json',
  pareto: 'pareto.json',
  routing: 'routing.json',
  dna: 'dna.json',
};

/** Every report name. */
export const REPORT_NAMES = Object.keys(REPORT_FILES) as ReportName[];

export function isReportName(name: unknown): name is ReportName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(REPORT_FILES, name);
}

/** `<name>.json`: the report's file name in `reports/`. */
export function reportFile(name: ReportName): string {
  return REPORT_FILES[name];
}
