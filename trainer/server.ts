/**
 * The trainer's JSON-RPC side: binds the protocol in protocol/trainer.ts to training sessions. One run
 * at a time per trainer process (tfjs holds one device); metrics are batched and rate-limited.
 */
import { resolve } from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc';
import { ResponseError } from 'vscode-jsonrpc';
import {
  InitializeRequest,
  LogMessageNotification,
  MessageType,
  RunAlertNotification,
  RunCancelRequest,
  RunFinishedNotification,
  RunLayerStatsNotification,
  RunListRequest,
  RunMetricsNotification,
  RunResumeRequest,
  RunStartRequest,
  WorkDoneProgress,
  type MetricRecord,
  type RunStartResult,
} from '../protocol/trainer';
import { SpecError } from '../spec/types';
import { BackendError, describeAuto, probeAll } from './backend/backends';
import { DataError } from './data/errors';
import { UserError } from './errors';
import { resumeRun, startRun, type PreparedRun, type SessionEvents } from './session';
import { RunStore } from './store/run-store';

export const TRAINER_VERSION = '0.1.0';

/** JSON-RPC error codes for failures the user must fix (shown as such by clients). */
export const ErrorCodes = { InvalidModel: -32001, BackendUnavailable: -32002, RunActive: -32003, InvalidRequest: -32004 } as const;

interface Active {
  id: string;
  controller: AbortController;
  done: Promise<void>;
}

export interface TrainerHandle {
  /** Resolves when no run is active. */
  idle(): Promise<void>;
  /** Cancels the active run, if any (it stops with a checkpoint). */
  cancelAll(): void;
}

export function bindTrainer(conn: MessageConnection): TrainerHandle {
  let defaultRunsDir = resolve('.dynaxx/runs');
  let active: Active | undefined;
  const log = (type: MessageType, message: string) => conn.sendNotification(LogMessageNotification.type, { type, message });

  conn.onRequest(InitializeRequest.type, async (p) => {
    if (p.runsDir) defaultRunsDir = resolve(p.runsDir);
    const backends = await probeAll();
    return { version: TRAINER_VERSION, backends, auto: await describeAuto(backends) };
  });

  conn.onRequest(RunListRequest.type, (p) => ({ runs: new RunStore(resolve(p.runsDir ?? defaultRunsDir)).list() }));

  conn.onRequest(RunCancelRequest.type, (p) => {
    if (!active || active.id !== p.runId) return { cancelled: false };
    active.controller.abort();
    return { cancelled: true };
  });

  const begin = async (
    token: string | number | undefined,
    intervalMs: number,
    prepare: (events: SessionEvents, signal: AbortSignal) => Promise<PreparedRun>,
  ): Promise<RunStartResult> => {
    if (active) throw new ResponseError(ErrorCodes.RunActive, `run ${active.id} is still training; cancel it or wait for it to finish`);
    const controller = new AbortController();
    const pending: MetricRecord[] = [];
    let lastSent = 0;
    let lastReport = 0;
    let runId = '';
    const flush = () => {
      if (pending.length === 0 || !runId) return;
      conn.sendNotification(RunMetricsNotification.type, { runId, records: pending.splice(0) });
      lastSent = Date.now();
    };
    const timer = setInterval(flush, intervalMs);
    timer.unref();
    const events: SessionEvents = {
      onMetrics(_id, records) {
        pending.push(...records);
        if (Date.now() - lastSent >= intervalMs) flush();
      },
      onLayerStats(id, step, layers) {
        conn.sendNotification(RunLayerStatsNotification.type, { runId: id, step, layers });
      },
      onAlert(id, alert) {
        flush();
        conn.sendNotification(RunAlertNotification.type, { runId: id, alert });
      },
      onProgress(_id, step, total, message) {
        if (token === undefined) return;
        const t = Date.now();
        if (t - lastReport < intervalMs) return;
        lastReport = t;
        const percentage = total > 0 ? Math.floor((100 * step) / total) : undefined;
        conn.sendProgress(WorkDoneProgress, token, { kind: 'report', message: `step ${step}/${total} · ${message}`, percentage, cancellable: true });
      },
      onLog(level, message) {
        log(level === 'error' ? MessageType.Error : level === 'warning' ? MessageType.Warning : MessageType.Info, message);
      },
    };
    let run: PreparedRun;
    try {
      run = await prepare(events, controller.signal);
    } catch (e) {
      clearInterval(timer);
      throw toResponseError(e);
    }
    runId = run.runId;
    if (token !== undefined) {
      conn.sendProgress(WorkDoneProgress, token, { kind: 'begin', title: `Training ${run.model.name}`, cancellable: true, message: `${run.backend} · ${run.device}`, percentage: Math.floor((100 * run.startStep) / Math.max(1, run.totalSteps)) });
    }
    const done = run.run().then((result) => {
      clearInterval(timer);
      flush();
      if (token !== undefined) conn.sendProgress(WorkDoneProgress, token, { kind: 'end', message: result.status });
      conn.sendNotification(RunFinishedNotification.type, { runId: run.runId, status: result.status, final: result.final, error: result.error });
      active = undefined;
    });
    active = { id: run.runId, controller, done };
    return { runId: run.runId, runDir: run.runDir, backend: run.backend, device: run.device, totalSteps: run.totalSteps, startStep: run.startStep };
  };

  conn.onRequest(RunStartRequest.type, (p) =>
    begin(p.workDoneToken, p.metricsIntervalMs ?? 250, (events, signal) =>
      startRun(resolve(p.modelFile), p.overrides, { runsDir: resolve(p.runsDir ?? defaultRunsDir), events, signal })),
  );
  conn.onRequest(RunResumeRequest.type, (p) =>
    begin(p.workDoneToken, p.metricsIntervalMs ?? 250, (events, signal) =>
      resumeRun(p.runId, { runsDir: resolve(p.runsDir ?? defaultRunsDir), events, signal })),
  );

  return {
    async idle() {
      while (active) await active.done;
    },
    cancelAll: () => active?.controller.abort(),
  };
}

function toResponseError(e: unknown): ResponseError<void> {
  if (e instanceof ResponseError) return e;
  if (e instanceof SpecError) return new ResponseError(ErrorCodes.InvalidModel, e.message);
  if (e instanceof UserError || e instanceof DataError) return new ResponseError(ErrorCodes.InvalidRequest, e.message);
  if (e instanceof BackendError) return new ResponseError(ErrorCodes.BackendUnavailable, e.message);
  return new ResponseError(-32603, (e as Error).message ?? String(e));
}
