/** What a caller gives the run assembly (where runs live, events, cancellation) and what it gets back: a run ready to train. */
import type { Alert, BackendId, LayerStats, MetricRecord } from '../../protocol/trainer';
import type { ModelFile } from '../../spec/types';
import type { Dataset } from '../data/types';
import type { TrainingHook } from '../engine/hooks';
import type { LoopResult } from '../engine/loop';

export interface SessionEvents {
  onMetrics?(runId: string, records: MetricRecord[]): void;
  onAlert?(runId: string, alert: Alert): void;
  onProgress?(runId: string, step: number, totalSteps: number, message: string): void;
  onLayerStats?(runId: string, step: number, layers: LayerStats[]): void;
  onLog?(level: 'info' | 'warning' | 'error', message: string): void;
}

export interface SessionOptions {
  runsDir: string;
  events?: SessionEvents;
  signal?: AbortSignal;
  logEvery?: number;
  /** Extra training hooks, before the run's own (layer statistics, monitors). */
  hooks?: TrainingHook[];
  /**
   * Per-layer monitor ids (trainer/monitors/registry.ts). Default: nonfinite, grad-norm and
   * activation-variance when `train.statsEvery > 0`, none otherwise. `[]` turns them off; a list given
   * while statsEvery is 0 runs every 10 steps.
   */
  monitors?: string[];
  /** A sweep's point: stored in the new run's run.json, so the sweep finds its run again (a retry resumes it). */
  sweep?: { id: string; point: number; job: string };
}

export interface PreparedRun {
  runId: string;
  runDir: string;
  backend: BackendId;
  device: string;
  backendReason: string;
  totalSteps: number;
  startStep: number;
  model: ModelFile;
  dataset: Dataset;
  /** Trains to the end (or until cancelled/failed) and closes the run directory. */
  run(): Promise<LoopResult>;
}
