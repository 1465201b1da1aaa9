/**
 * What the dashboards show, declared once (issue 7): the trainer builds a `DashboardData` from a run on disk
 * (trainer/report/collect.ts), for `dynaxx report` and for the extension (`run/dashboard`, local and remote trainers
 * alike, issue 15), and the webview renders it. Messages between the extension and the webview
 * are tagged unions. The shapes are the subsets of the trainer's stored files the views read: metrics.jsonl
 * records, layer-stats.jsonl rows, alerts.jsonl, reports/modularity*.json, reports/pareto.json,
 * reports/routing.json, reports/dna.json. A view whose data is absent is not shown (no empty tabs).
 */
import type { DnaReport } from './dna';
import type { Alert, LayerStats, MetricRecord } from './run-records';
import type { SweepView } from './sweep';

/** One run: metrics and per-layer statistics over time, alerts. */
export interface RunSeries {
  runId: string;
  name: string;
  status: string;
  /** The model file, for "reveal the layer" (a file path on the machine that shows the dashboard). */
  modelFile?: string;
  metrics: MetricRecord[];
  /** Per-layer statistics rows, in step order. */
  layerStats: Array<{ step: number; layers: LayerStats[] }>;
  alerts: Alert[];
  /** The run's settings and outcome as stored, for summaries and comparisons (the language-model tools); absent in older data. */
  settings?: RunSettings;
}

/**
 * What a run was trained with and where it got (run.json and spec.json). A field is absent when it was not stored
 * (an unreadable spec.json leaves only the run.json part).
 */
export interface RunSettings {
  backend: string;
  device: string;
  step: number;
  totalSteps: number;
  final?: Record<string, number>;
  best?: Record<string, number>;
  error?: string;
  optimizer?: string;
  lr?: number;
  seed?: number;
  batchSize?: number;
  /** `train.clipNorm` (0: off; the stabilizer's own clip is in `stabilize.clipNorm`). */
  clipNorm?: number;
  /** The model's LR schedule type (`constant`, `cosine`, ...). */
  schedule?: string;
  params?: number;
  /** Trainable weight layers. */
  depth?: number;
  /** A short hash of the input shape and the resolved layers: equal hashes, the same architecture. */
  modelHash?: string;
  /** The resolved `stabilize:` block, when the run had one. */
  stabilize?: StabilizeSettings;
}

/** Subset of the resolved `stabilize:` block (spec/types.ts StabilizeSpec). */
export interface StabilizeSettings {
  auto: boolean;
  spectral: { enabled: boolean; initial: number; final: number; schedule: string; every: number };
  residual: { mode: string; initial: number; final: number; steps: number };
  lr: { enabled: boolean; warmupSteps: number | 'auto'; peakLr: number | 'auto' };
  /** Clip norm, loss-spike factor, and the LR cut after a spike (factor, steps). */
  safety: { clipNorm: number; spikeFactor: number; lrFactor: number; lrSteps: number };
  /** What was chosen and why, one line each. */
  choices: string[];
}

/** Subset of `ModularityReport` (+ the history, `ModularityHistory`; protocol/reports.ts) the subnetwork view reads. */
export interface SubnetworkData {
  k: number;
  hardened: boolean;
  tasks: Array<{ name: string; classes: number; labels?: string[] }>;
  layers: Array<{ id: string; units: number; masked: boolean; labels: number[] }>;
  accuracy: number[];
  subnetworks: Array<{
    id: number; kept: boolean; mask: number; units: Record<string, number>; params: number; paramShare: number;
    accuracyDrop: number[]; classDrop: Array<Array<number | null>>; shapley?: { values: number[]; stderr: number[] }; task: string | null;
  }>;
  specialization: number;
  nmi: number;
  qModularity: number | null;
  /** Weight mass |W| between subnetworks (k × k, symmetric), for the graph's edges. */
  edgeMass?: number[][];
  /** Clustering history: step and the label of every clustered item (layout order of `historyLayers`). */
  history?: Array<{ step: number; labels: number[]; changed: number; active: number }>;
  historyLayers?: Array<{ id: string; items: number; unitsPerItem: number; masked: boolean }>;
}

/** Subset of `SweepResult` (protocol/reports.ts). */
export interface ParetoData {
  model: string;
  /** The split the accuracies are measured on (test, or what stands in for it). */
  split: string;
  /** The split choices among points are made on (validation, or what stands in for it); absent in older sweeps. */
  selectionSplit?: string;
  /** Set when the data lacks a validation or test split. */
  splitNote?: string;
  /** Display names by criterion id (`wanda (channel sum)`); the id where absent. */
  labels?: Record<string, string>;
  dense: { flops: number; params: number; accuracyMean: number; latencyMs: number };
  /** `selectionAccuracyMean`: the same accuracy on `selectionSplit`. */
  points: Array<{ criterion: string; target: number; seed: number; flops: number; params: number; flopReduction: number; accuracyMean: number; selectionAccuracyMean?: number; latencyMs: number; speedup: number }>;
  settings: { criteria: string[]; targets: number[]; finetuneSteps: number; schedule: string; scope: string };
}

/** Subset of `RoutingReport` (protocol/reports.ts): the routing sweep and the expert it routed to. */
export interface RoutingData {
  criterion: string;
  /** The criterion's display name, when it is not its id. */
  label?: string;
  target: number;
  signal: string;
  prunedCost: number;
  /** The split the numbers below are measured on; absent in older reports. */
  split?: string;
  /** The split the expert, the thresholds and `noLoss` were chosen on; absent in older reports. */
  selectionSplit?: string;
  splitNote?: string;
  accuracyFull: number;
  accuracyPruned: number;
  points: Array<{ threshold: number; shareFull: number; expectedCost: number; accuracy: number }>;
  /** The chosen operating point, with its numbers on `split`. */
  noLoss?: { threshold: number; shareFull: number; expectedCost: number; accuracy: number };
}

export interface DashboardData {
  /** Runs to show; the first is the main one, the others are overlaid in the training view. */
  runs: RunSeries[];
  subnetworks?: SubnetworkData;
  pareto?: ParetoData;
  routing?: RoutingData;
  /**
   * The path statistics of a run with `dna` layers (`reports/dna.json`, protocol/dna.ts, issue 8), whole: module
   * usage per hop, path frequency against rank and its power law, top paths, associations with labels, each for the
   * trained and the randomly initialised model. Shown by the "Routing paths" view.
   */
  paths?: DnaReport;
  /**
   * A sweep (protocol/sweep.ts, issue 17): its points, the metric per axis value and per configuration, and for prune
   * sweeps the Pareto points of every run; its runs are `runs`. Shown by the "Sweep" view (`dynaxx sweep --report`).
   */
  sweep?: SweepView;
  /** When the data was collected (ISO). */
  generatedAt: string;
  /** A standalone report (no extension to talk to: clicks on layers show the id instead of revealing it). */
  standalone: boolean;
}

/** Extension → webview. */
export type ToWebview =
  | { type: 'init'; data: DashboardData }
  /** Live: new metric records / layer statistics / alerts of a run (appended; the view throttles redraws). */
  | { type: 'metrics'; runId: string; records: MetricRecord[] }
  | { type: 'layerStats'; runId: string; step: number; layers: LayerStats[] }
  | { type: 'alert'; runId: string; alert: Alert }
  | { type: 'status'; runId: string; status: string }
  | { type: 'reports'; subnetworks?: SubnetworkData; pareto?: ParetoData; routing?: RoutingData; paths?: DnaReport };

/** Webview → extension. */
export type FromWebview =
  | { type: 'ready' }
  /** Reveal a layer of the run's model file (a click on an alert, a heatmap row or a subnetwork's layer). */
  | { type: 'revealLayer'; runId: string; layerId: string }
  /** Export a pruned model (a click on a Pareto point) or a subnetwork. */
  | { type: 'exportPruned'; runId: string; criterion: string; target: number; seed: number }
  | { type: 'exportSubnetwork'; runId: string; subnetwork: number }
  | { type: 'error'; message: string };

/** State the webview keeps across hide/reload (vscode getState/setState). */
export interface WebviewState {
  tab: string;
  logScale: boolean;
  smoothing: number;
  stabilityMetric: 'gradNorm' | 'updateNorm' | 'activationVar' | 'spectralNorm';
  historyIndex?: number;
  /** Routing paths: the labelling whose groups are listed (`class`, `position`, `char`). */
  pathsBy?: string;
}
