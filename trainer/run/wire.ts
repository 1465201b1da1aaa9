/**
 * A built loop wired to its run directory and the caller's events: metrics into metrics.jsonl and TensorBoard
 * events, alerts into alerts.jsonl, checkpoints, run.json kept current; after a completed run, the end-of-run
 * analyses (`finish`), whose failure leaves the run and its checkpoints complete.
 */
import type { Alert, BackendId, MetricRecord } from '../../protocol/trainer';
import type { ModelFile } from '../../spec/types';
import type { Dataset } from '../data/types';
import type { LoopResult, Snapshot, TrainingLoop } from '../engine/loop';
import type { RunDir } from '../store/run-store';
import { emitAlert } from './stats';
import type { PreparedRun, SessionOptions } from './types';

/** Wires a loop to its run directory and the caller's events; `finish` runs after a completed run. */
export function wire(
  dir: RunDir,
  loop: TrainingLoop,
  model: ModelFile,
  dataset: Dataset,
  backend: { backend: BackendId; device: string; reason: string },
  opts: SessionOptions,
  finish?: (loop: TrainingLoop) => Promise<string[]>,
): PreparedRun {
  const ev = opts.events ?? {};
  let lastMetaUpdate = 0;
  const events = {
    onMetrics(records: MetricRecord[]) {
      for (const r of records) {
        dir.appendMetrics(r);
        const w = dir.eventWriter(r.split);
        for (const [k, v] of Object.entries(r)) {
          if (typeof v === 'number' && k !== 'step' && k !== 'epoch' && k !== 'time') w.scalar(k, v, r.step, r.time / 1000);
        }
      }
      ev.onMetrics?.(dir.id, records);
    },
    onAlert: (alert: Alert) => emitAlert(dir, opts, alert),
    async onCheckpoint(s: Snapshot) {
      dir.writeCheckpoint(s.step, { weights: s.weights, optimizer: s.optimizer, state: { ...s.state } }); // records it (relative) in run.json
      dir.updateMeta({ step: s.step, best: s.state.best });
    },
    onProgress(step: number, total: number, message: string) {
      const t = Date.now();
      if (t - lastMetaUpdate > 2000) {
        lastMetaUpdate = t;
        dir.updateMeta({ step });
      }
      ev.onProgress?.(dir.id, step, total, message);
    },
  };
  return {
    runId: dir.id,
    runDir: dir.dir,
    backend: backend.backend,
    device: backend.device,
    backendReason: backend.reason,
    totalSteps: loop.totalSteps,
    startStep: loop.currentStep,
    model,
    dataset,
    async run() {
      let result: LoopResult;
      try {
        result = await loop.run(events);
      } catch (e) {
        result = { status: 'failed', step: loop.currentStep, totalSteps: loop.totalSteps, final: {}, best: {}, error: (e as Error).message };
      }
      if (result.status === 'completed' && finish) {
        try {
          for (const line of await finish(loop)) ev.onLog?.('info', line);
        } catch (e) {
          ev.onLog?.('error', `run ${dir.id}: the end-of-run analysis failed (the run and its checkpoints are complete): ${(e as Error).message}`);
        }
      }
      dir.updateMeta({
        status: result.status,
        step: result.step,
        final: Object.keys(result.final).length ? result.final : undefined,
        best: result.best,
        error: result.error,
        pid: undefined,
      });
      dir.close();
      loop.dispose();
      return result;
    },
  };
}
