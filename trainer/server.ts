/**
 * The trainer's JSON-RPC side: binds the protocol in protocol/trainer.ts to training sessions. One run
 * at a time per trainer process (tfjs holds one device), shared by all its connections: over stdio there
 * is one; a remote trainer (remote.ts) may have several, and a run started by one client can be listed
 * and cancelled by the next. Metrics are batched and rate-limited.
 *
 * Every request goes through one seam (`handle`): refused before a successful initialize when a token is required,
 * params checked against the request's schema (-32602 on a mismatch), errors mapped by response-errors.ts (bounded
 * messages, no stacks to the client).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CancellationToken, MessageConnection, NotificationType, RequestHandler, RequestType } from 'vscode-jsonrpc';
import { ResponseError } from 'vscode-jsonrpc';
import type { RequiredSchema } from '../protocol/schema';
import {
  PruneReportRequest, PruneSweepRequest,
  DnaReportRequest,
  RunDashboardRequest,
  ModularityExtractRequest, type ModularityExtractResult, ModularityGrowRequest, ModularityReportRequest, ModularityTransferRequest,
  InitializeRequest,
  LogMessageNotification,
  MessageType,
  RunAlertNotification,
  RunCancelRequest,
  RunDeleteRequest,
  RunFinishedNotification,
  RunLayerStatsNotification,
  RunListRequest,
  RunMetricsNotification,
  RunResumeRequest,
  RunStartRequest,
  SweepAttachRequest, SweepCancelRequest, SweepReportRequest, SweepStartRequest,
  TrainerErrorCodes,
  WorkDoneProgress,
  type MetricRecord,
  type RunStartResult,
  type WorkDoneProgressValue,
} from '../protocol/trainer';
import { DNA_REPORT, MODULARITY_HISTORY, MODULARITY_REPORT, PARETO_REPORT, ROUTING_REPORT } from '../protocol/reports';
import { quoteValue } from '../spec/limits';
import { describeAuto, probeAll } from './backend/backends';
import { checkModelFile, checkModelText, validParams } from './request-checks';
import { JsonRpcCodes, toResponseError } from './response-errors';
import { webgpuFault } from './backend/webgpu-device';
import { resumeRun, startRun, type PreparedRun, type SessionEvents } from './session';
import { RunStore } from './store/run-store';
import { extractSubnetworks } from './modularity/subnetworks';
import { startGrowth } from './run/grow';
import { transferAdvice } from './modularity/transfer';
import { runPrune } from './run/prune';
import { collectDashboardData } from './report/collect';
import { attachToSweep, cancelSweep, startSweep, sweepReport, type ActiveSweep, type SweepHost } from './sweep-requests';

export const TRAINER_VERSION = '0.1.0';

/** JSON-RPC error codes for failures the user must fix (shown as such by clients). */
export const ErrorCodes = TrainerErrorCodes;

interface Active {
  id: string;
  controller: AbortController;
  done: Promise<void>;
}

/** What one trainer process shares across its connections: the active run and who hears about it. */
export class TrainerCore {
  active: Active | undefined;
  /** The sweep this trainer drives (sweep-requests.ts): one at a time, beside a run. */
  sweep: ActiveSweep | undefined;
  private readonly clients = new Set<MessageConnection>();

  /** `runsDir`: where runs go by default (a remote trainer's `--runs-dir`). */
  constructor(readonly runsDir: string = resolve('.dynaxx/runs')) {}

  join(conn: MessageConnection): void {
    this.clients.add(conn);
  }

  leave(conn: MessageConnection): void {
    this.clients.delete(conn);
  }

  /** Sends a notification to every connected (and, remotely, authenticated) client. */
  broadcast<P>(type: NotificationType<P>, params: P): void {
    for (const c of this.clients) send(() => c.sendNotification(type, params as never));
  }

  /** Resolves when no run and no sweep is active. */
  async idle(): Promise<void> {
    while (this.active || this.sweep) await (this.active ?? this.sweep)!.done;
  }

  /** Cancels the active run and sweep, if any (they stop with a checkpoint). */
  cancelAll(): void {
    this.active?.controller.abort();
    this.sweep?.controller.abort();
  }
}

export interface TrainerHandle {
  /** Resolves when no run is active. */
  idle(): Promise<void>;
  /** Cancels the active run, if any (it stops with a checkpoint). */
  cancelAll(): void;
  /** The connection closed: stop sending it notifications (the run, if any, goes on). */
  dispose(): void;
}

export interface BindOptions {
  /** Shared by the connections of one process; a new one (one connection, stdio) by default. */
  core?: TrainerCore;
  /**
   * A remote trainer (remote.ts): the clients' `runsDir` params are ignored (they name folders on
   * another machine): runs go to `core.runsDir`. Implied by `token`.
   */
  remote?: boolean;
  /**
   * Every request before an `initialize` with this token is refused with `Unauthorized` (the caller
   * closes the connection on that error).
   */
  token?: string;
  /** The trainer's own log (stderr by default), for authentications, refusals and the stacks of internal errors. */
  log?(message: string): void;
  /** Called once, when an `initialize` succeeds (remote.ts then lifts its pre-authentication limits). */
  onAuthenticated?(): void;
}

/**
 * After a WebGPU fault (a Dawn error, out of memory, a lost device) tfjs cannot go on in this process: the run has
 * failed with its last good checkpoint kept, the clients are told, and the process exits so that a fresh trainer
 * (the editor restarts it) starts clean.
 */
function exitOnDeviceFault(tell: (message: string) => void): void {
  const fault = webgpuFault();
  if (!fault) return;
  tell(`${fault.message} The trainer process exits: WebGPU cannot continue after this error in the same process.`);
  process.stderr.write(`dynaxx trainer: ${fault.message}\n`);
  setTimeout(() => process.exit(1), 200);
}

/** A run's log level as the LSP message type its `window/logMessage` carries. */
function messageType(level: 'info' | 'warning' | 'error'): MessageType {
  return level === 'error' ? MessageType.Error : level === 'warning' ? MessageType.Warning : MessageType.Info;
}

/** Constant-time token comparison (on hashes, so the lengths may differ). */
export function tokenMatches(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(given), h(expected));
}

const HOW_TO_PASS = 'pass the token the trainer was started with (`dynaxx serve --token T`) as `token` in initialize: in VS Code, set dynaxx.trainer.token';

export function bindTrainer(conn: MessageConnection, opts: BindOptions = {}): TrainerHandle {
  const core = opts.core ?? new TrainerCore();
  const remote = opts.remote ?? opts.token !== undefined;
  const log = opts.log ?? ((m: string) => process.stderr.write(`dynaxx trainer: ${m}\n`));
  let defaultRunsDir = core.runsDir;
  let authed = opts.token === undefined;
  if (authed) core.join(conn);
  const runsDirOf = (p: { runsDir?: string }) => (remote || !p.runsDir ? defaultRunsDir : resolve(p.runsDir));

  const refuse = (why: string) => {
    log(`refused: ${why}`);
    return new ResponseError(ErrorCodes.Unauthorized, `unauthorized: ${why}; ${HOW_TO_PASS}`);
  };
  const before = (method: string) => refuse(`'${quoteValue(method, 80)}' before initialize; send initialize with the token first`);

  /** Registers a request: refused before initialize, params checked against its schema, errors mapped and bounded. */
  const handle = <P, R>(
    req: { method: string; type: RequestType<P, R, void>; params: RequiredSchema<P> },
    handler: (p: P, token: CancellationToken) => R | Promise<R>,
  ) => {
    const checked = async (raw: unknown, token: CancellationToken): Promise<R> => {
      if (!authed) throw before(req.method);
      try {
        return await handler(validParams(req.method, req.params, raw), token);
      } catch (e) {
        throw toResponseError(e, req.method, log);
      }
    };
    conn.onRequest(req.type, checked as RequestHandler<P, R, void>);
  };

  conn.onRequest(InitializeRequest.type, async (raw) => {
    if (opts.token !== undefined) {
      const given = (raw as { token?: unknown } | undefined)?.token;
      if (typeof given !== 'string' || given === '') throw refuse('the token is missing');
      if (!tokenMatches(given, opts.token)) throw refuse('the token is wrong');
      if (!authed) core.join(conn);
      authed = true;
    }
    opts.onAuthenticated?.(); // before the params check: a client with the right token is authenticated either way
    const p = validParams(InitializeRequest.method, InitializeRequest.params, raw);
    if (remote) {
      log(`initialized${p.clientName ? ` (client ${quoteValue(p.clientName)})` : ''}`);
      if (p.runsDir) send(() => conn.sendNotification(LogMessageNotification.type, { type: MessageType.Info, message: `remote trainer: runs go to ${defaultRunsDir} on the server; the client's runsDir ${quoteValue(p.runsDir!, 200)} is not used` }));
    } else if (p.runsDir) {
      defaultRunsDir = resolve(p.runsDir);
    }
    try {
      const backends = await probeAll();
      return { version: TRAINER_VERSION, runsDir: defaultRunsDir, remote, backends, auto: await describeAuto(backends) };
    } catch (e) {
      throw toResponseError(e, InitializeRequest.method, log);
    }
  });

  // anything else before initialize is refused the same way; unknown methods after it are the usual error
  conn.onRequest((method) => {
    if (!authed) throw before(method);
    throw new ResponseError(JsonRpcCodes.MethodNotFound, `unknown method '${quoteValue(method, 80)}'`);
  });

  handle(RunListRequest, (p) => ({ runs: new RunStore(runsDirOf(p)).list() }));

  handle(RunDeleteRequest, (p) => {
    if (core.active?.id === p.runId) throw new ResponseError(TrainerErrorCodes.RunActive, `run ${p.runId} is training; cancel it first`);
    new RunStore(runsDirOf(p)).delete(p.runId);
    return { deleted: true };
  });

  handle(RunCancelRequest, (p) => {
    if (!core.active || core.active.id !== p.runId) return { cancelled: false };
    core.active.controller.abort();
    return { cancelled: true };
  });

  const begin = async (
    token: string | number | undefined,
    intervalMs: number,
    prepare: (events: SessionEvents, signal: AbortSignal) => Promise<PreparedRun>,
  ): Promise<RunStartResult> => {
    if (core.active) throw new ResponseError(ErrorCodes.RunActive, `run ${core.active.id} is still training; cancel it or wait for it to finish`);
    const controller = new AbortController();
    const pending: MetricRecord[] = [];
    let lastSent = 0;
    let lastReport = 0;
    let runId = '';
    // $/progress goes to the client that started the run (its token); everything else to every client
    const progress = (value: WorkDoneProgressValue) => {
      if (token !== undefined) send(() => conn.sendProgress(WorkDoneProgress, token, value));
    };
    const flush = () => {
      if (pending.length === 0 || !runId) return;
      core.broadcast(RunMetricsNotification.type, { runId, records: pending.splice(0) });
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
        core.broadcast(RunLayerStatsNotification.type, { runId: id, step, layers });
      },
      onAlert(id, alert) {
        flush();
        core.broadcast(RunAlertNotification.type, { runId: id, alert });
      },
      onProgress(_id, step, total, message) {
        if (token === undefined) return;
        const t = Date.now();
        if (t - lastReport < intervalMs) return;
        lastReport = t;
        const percentage = total > 0 ? Math.floor((100 * step) / total) : undefined;
        progress({ kind: 'report', message: `step ${step}/${total} · ${message}`, percentage, cancellable: true });
      },
      onLog(level, message) {
        core.broadcast(LogMessageNotification.type, { type: messageType(level), message });
      },
    };
    let run: PreparedRun;
    try {
      run = await prepare(events, controller.signal);
    } catch (e) {
      clearInterval(timer);
      throw e;
    }
    runId = run.runId;
    progress({ kind: 'begin', title: `Training ${run.model.name}`, cancellable: true, message: `${run.backend} · ${run.device}`, percentage: Math.floor((100 * run.startStep) / Math.max(1, run.totalSteps)) });
    const done = run.run().then((result) => {
      clearInterval(timer);
      flush();
      progress({ kind: 'end', message: result.status });
      core.broadcast(RunFinishedNotification.type, { runId: run.runId, status: result.status, final: result.final, error: result.error });
      core.active = undefined;
      exitOnDeviceFault((message) => core.broadcast(LogMessageNotification.type, { type: MessageType.Error, message }));
    });
    core.active = { id: run.runId, controller, done };
    return { runId: run.runId, runDir: run.runDir, backend: run.backend, device: run.device, totalSteps: run.totalSteps, startStep: run.startStep };
  };

  handle(RunStartRequest, (p) => {
    if (p.modelText !== undefined) checkModelText(RunStartRequest.method, p.modelText);
    else checkModelFile(RunStartRequest.method, 'modelFile', resolve(p.modelFile), remote);
    return begin(p.workDoneToken, p.metricsIntervalMs ?? 250, (events, signal) =>
      startRun(p.modelText === undefined ? resolve(p.modelFile) : p.modelFile, p.overrides, { runsDir: runsDirOf(p), events, signal, monitors: p.monitors }, p.modelText));
  });
  handle(RunResumeRequest, (p) => {
    new RunStore(runsDirOf(p)).open(p.runId).checkResumable();
    return begin(p.workDoneToken, p.metricsIntervalMs ?? 250, (events, signal) =>
      resumeRun(p.runId, { runsDir: runsDirOf(p), events, signal, monitors: p.monitors }));
  });

  handle(ModularityReportRequest, (p) => {
    const dir = new RunStore(runsDirOf(p)).open(p.runId);
    return { report: dir.readReport(MODULARITY_REPORT) ?? null, history: dir.readReport(MODULARITY_HISTORY) ?? null };
  });
  handle(ModularityExtractRequest, (p): Promise<ModularityExtractResult> =>
    extractSubnetworks(runsDirOf(p), p.runId, { subnetworks: p.subnetworks, outDir: p.outDir }));
  handle(ModularityTransferRequest, async (p) => {
    checkModelFile(ModularityTransferRequest.method, 'dataFile', resolve(p.dataFile), remote);
    const r = await transferAdvice(runsDirOf(p), p.runId, resolve(p.dataFile), { samples: p.samples });
    return { rows: r.rows };
  });
  handle(ModularityGrowRequest, (p) => {
    checkModelFile(ModularityGrowRequest.method, 'dataFile', resolve(p.dataFile), remote);
    return begin(p.workDoneToken, p.metricsIntervalMs ?? 250, (events, signal) =>
      startGrowth(p.runId, resolve(p.dataFile), { add: p.add, epochs: p.epochs, jointSteps: p.jointSteps }, { runsDir: runsDirOf(p), events, signal }));
  });

  handle(PruneReportRequest, (p) => {
    const dir = new RunStore(runsDirOf(p)).open(p.runId);
    return { pareto: dir.readReport(PARETO_REPORT) ?? null, routing: dir.readReport(ROUTING_REPORT) ?? null };
  });
  handle(DnaReportRequest, (p) => {
    const dir = new RunStore(runsDirOf(p)).open(p.runId);
    return { report: dir.readReport(DNA_REPORT) ?? null };
  });
  handle(RunDashboardRequest, (p) =>
    collectDashboardData(runsDirOf(p), [p.runId, ...(p.compare ?? [])], { standalone: false, reportsOnly: p.reportsOnly }));
  handle(PruneSweepRequest, async (p, token) => {
    if (core.active) throw new ResponseError(ErrorCodes.RunActive, `run ${core.active.id} is still training; cancel it or wait for it to finish`);
    if (/\.ya?ml$/.test(p.target) && existsSync(p.target)) checkModelFile(PruneSweepRequest.method, 'target', resolve(p.target), remote);
    // the client cancels the request (JSON-RPC $/cancelRequest): the sweep stops between steps
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    const events: SessionEvents = {
      onLog(level, message) {
        core.broadcast(LogMessageNotification.type, { type: messageType(level), message });
      },
    };
    const r = await runPrune(p.target, { criteria: p.criteria, targets: p.targets, schedule: p.schedule, finetuneSteps: p.finetuneSteps, scoreSteps: p.scoreSteps, seeds: p.seeds, route: p.route }, { runsDir: runsDirOf(p), events, signal: controller.signal });
    return { runId: r.runId, sweep: r.sweep, routing: r.routing ?? null };
  });

  const sweeps: SweepHost = { core, runsDirOf, remote };
  handle(SweepStartRequest, (p) => startSweep(sweeps, SweepStartRequest.method, p));
  handle(SweepAttachRequest, (p) => attachToSweep(sweeps, SweepAttachRequest.method, p));
  handle(SweepCancelRequest, (p) => cancelSweep(sweeps, p.sweepId));
  handle(SweepReportRequest, (p) => sweepReport(sweeps, p));

  return {
    idle: () => core.idle(),
    cancelAll: () => core.cancelAll(),
    dispose: () => core.leave(conn),
  };
}

/** Sends without throwing: a client that went away must not stop the run. */
function send(f: () => Promise<void> | void): void {
  try {
    void Promise.resolve(f()).catch(() => undefined);
  } catch {
    // connection closed or disposed
  }
}
