/**
 * Sweeps, declared once: what a sweep is once its file is read (the points, each a whole model file's text), what
 * one queued run carries (`SweepJob`: model text in, never a path), what it gives back (`PointResult`), the record
 * a sweep keeps on disk and in Redis (`SweepRecord`), and the events its driver streams to the CLI and the editor.
 * The sweep file itself (`*.sweep.yaml`) is read by spec/sweep/; the driver, the local pool and the BullMQ queue
 * live in trainer/sweep/. Types only: the extension and the webviews import this file too.
 */

/** What a sweep's points run: a training run each, or a pruning sweep (train, then the Pareto sweep) each. */
export type SweepCommand = 'train' | 'prune';

/** What the sweep compares: one number of a run's final summary (`valAccuracy`, `loss`, ...), and which way is better. */
export interface SweepMetric {
  name: string;
  goal: 'max' | 'min';
}

/** One point of a sweep: a value for every axis (by key path, `train.optimizer.lr`), and the model file it gives. */
export interface SweepPoint {
  /** 0-based, in the order the sweep file expands (grid: last axis fastest; random: draw order). */
  index: number;
  /** The axis values of this point, by key path, as the sweep file writes them (`off` for a removed key). */
  values: Record<string, unknown>;
  /** The job id: the sweep id and the point's index and values, so one point is never queued twice. */
  jobId: string;
}

/** A sweep ready to run: what the driver stores in `<sweeps dir>/<id>/sweep.json` and in Redis for `--attach`. */
export interface SweepDef {
  id: string;
  name: string;
  /** The sweep file, as given (for messages; workers never read it). */
  file: string;
  /** The base model file's name (no directories): the name each point's model text is trained under. */
  modelName: string;
  /** The base model file on the driver's machine: the local pool resolves relative data paths beside it (workers: in their --data-dir). */
  modelPath: string;
  command: SweepCommand;
  metric: SweepMetric;
  /** The axes by key path, in file order. */
  axes: string[];
  /** The axes that repeat a point (seeds): the per-axis summary averages over them (mean ± spread). */
  seedAxes: string[];
  points: SweepPoint[];
  /** Tries per point before it is reported failed (a bad model file fails at once, without retries). */
  attempts: number;
  /** `--backend` for every point, when given (else each point's file decides). */
  backend?: string;
  createdAt: string;
}

/** A point the sweep file itself refuses (a value its model file does not accept): failed before anything runs. */
export interface PointError {
  index: number;
  message: string;
}

/** What one queued or pooled run carries. Validated by the worker like any model file before anything runs. */
export interface SweepJob {
  sweepId: string;
  point: number;
  jobId: string;
  /** A bare file name (`fashion-mlp.dynaxx.yaml`): relative data paths resolve in the worker's data directory. */
  modelName: string;
  /** The point's whole model file. */
  modelText: string;
  command: SweepCommand;
  backend?: string;
}

export type PointStatus = 'queued' | 'running' | 'completed' | 'failed' | 'diverged' | 'cancelled';

/** One point's state, as the driver keeps it and the report shows it. */
export interface PointResult {
  point: number;
  jobId: string;
  status: PointStatus;
  /** The run in the worker's runs directory (the last one, when a point was retried). */
  runId?: string;
  /** Host and pid of the worker that ran (or runs) it. */
  worker?: string;
  /** Tries so far. */
  attempts: number;
  /** The run's final summary (`loss`, `valAccuracy`, `testAccuracy`, ...). */
  final?: Record<string, number>;
  /** The sweep's metric, from `final`. */
  metric?: number;
  error?: string;
  step?: number;
  totalSteps?: number;
  /** Milliseconds from the point being queued to a worker starting it, and of the run itself. */
  queueMs?: number;
  runMs?: number;
  /** Epoch ms on the worker's clock: the point's last try started and ended; and when the driver learned the end. */
  startedAt?: number;
  finishedAt?: number;
  seenAt?: number;
  /** Prune sweeps: the run's Pareto points (criterion, FLOP reduction, accuracy), for the front across runs. */
  pareto?: Array<{ criterion: string; target: number; flopReduction: number; accuracy: number }>;
}

/** A sweep's record: its definition and every point's latest state. `<sweeps dir>/<id>/sweep.json`, replaced atomically. */
export interface SweepRecord {
  def: SweepDef;
  /** 'local' for the embedded pool, else the queue's URL without credentials. */
  executor: string;
  status: 'running' | 'completed' | 'cancelled' | 'interrupted';
  results: PointResult[];
  updatedAt: string;
}

/** What a sweep driver streams while it runs (CLI progress, the editor's progress and output). */
export type SweepEvent =
  | { kind: 'started'; sweepId: string; points: number; executor: string; metric: SweepMetric }
  | { kind: 'point'; sweepId: string; result: PointResult }
  | { kind: 'progress'; sweepId: string; point: number; step: number; totalSteps: number; loss?: number }
  | { kind: 'log'; sweepId: string; level: 'info' | 'warning' | 'error'; message: string }
  | { kind: 'finished'; sweepId: string; status: SweepRecord['status']; completed: number; failed: number };

/** An axis value as the sweep's summaries carry it: numbers, strings and booleans as they are, anything else as its JSON. */
export type AxisValue = string | number | boolean | null;

/** How a point counts in the summaries: `ok` has a finite metric and is averaged; the others are counted, never averaged. */
export type PointOutcome = 'ok' | 'diverged' | 'failed' | 'cancelled' | 'pending';

/** One row of a sweep's points table (trainer/sweep/summary.ts), in point order. */
export interface SweepRow {
  point: number;
  /** The point's value of every axis, in `SweepSummary.axes` order. */
  values: AxisValue[];
  status: PointStatus;
  /** `diverged`: a diverged run, or a completed one whose metric is missing or not finite. */
  outcome: PointOutcome;
  metric?: number;
  worker?: string;
  attempts: number;
  runId?: string;
  /** The error's first line, cut short. */
  error?: string;
}

/** Mean ± sample standard deviation of the metric over `n` points (`std` needs n ≥ 2), and what was left out. */
export interface MetricStats {
  n: number;
  mean?: number;
  std?: number;
  diverged: number;
  failed: number;
  /** Points not finished (queued, running) or cancelled. */
  pending: number;
}

/** The metric per value of one non-seed axis, over every point with that value. */
export interface AxisSummary {
  key: string;
  name: string;
  values: Array<MetricStats & { value: AxisValue; best: boolean }>;
}

/** Points that differ only in their seed axes: one configuration, its metric over the seeds. */
export interface ConfigurationSummary extends MetricStats {
  /** The non-seed axes' values, in `SweepSummary.axes` order with the seed axes left out. */
  values: AxisValue[];
  points: number[];
  best: boolean;
}

/** What `dynaxx sweep --report` prints and the dashboard's sweep view shows (trainer/sweep/summary.ts builds it). */
export interface SweepSummary {
  id: string;
  name: string;
  command: SweepCommand;
  metric: SweepMetric;
  executor: string;
  status: SweepRecord['status'];
  updatedAt: string;
  /** Every axis in file order: key path, short name (last key segment, longer where two would clash), seed or not. */
  axes: Array<{ key: string; name: string; seed: boolean }>;
  rows: SweepRow[];
  perAxis: AxisSummary[];
  /** Best first (by `metric.goal`); configurations without a mean last. */
  configurations: ConfigurationSummary[];
  counts: Record<PointOutcome, number>;
}

/** A prune sweep's Pareto point of one run, with whether it is on the front across all runs (no other point better in both). */
export interface SweepParetoPoint {
  point: number;
  runId?: string;
  criterion: string;
  target: number;
  flopReduction: number;
  accuracy: number;
  front: boolean;
}

/** The dashboard's sweep view (`DashboardData.sweep`): the summary, the runs not on this machine, a prune sweep's points. */
export interface SweepView extends SweepSummary {
  /** Runs of completed or diverged points that are not in the runs directory the report was written from. */
  missingRuns: string[];
  pareto?: SweepParetoPoint[];
}
