/**
 * The trainer process protocol: JSON-RPC 2.0 over stdio (vscode-jsonrpc framing, `Content-Length`
 * headers, as LSP). The client (the VS Code extension, a test, or any tool) spawns
 * `node dist/trainer.js --stdio` and talks to it with these messages, or connects over TCP to a remote
 * trainer (`dynaxx serve --port P --token T`), which speaks the same messages after a token check. Every message is declared here
 * once and explained in docs/protocol.md; both sides import these types. Each request also declares the schema of its
 * params (`XxxRequest.params`, protocol/schema.ts): the trainer checks them before use and answers -32602 on a mismatch.
 */
import { NotificationType, ProgressType, RequestType } from 'vscode-jsonrpc';
import type { DnaReport } from './dna';
import type { ModularityHistory, ModularityReport, RoutingReport, SweepResult, TransferRow } from './reports';
import type { Alert, LayerStats, MetricRecord } from './run-records';
import type { SweepEvent } from './sweep';
import type { DashboardData } from './webview';
import { bool, either, listOf, num, object, oneOf, optional, text } from './schema';

// ---------------------------------------------------------------------------------------------
// Shared shapes

export type { Alert, AlertKind, LayerStats, MetricRecord } from './run-records';
export { alertLayers, moreLayers } from './run-records';

export type BackendId = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendRequest = 'auto' | BackendId;

// Schemas of the params' pieces (protocol/schema.ts): every request's `params` schema below is built from these.
const runId = text({ min: 1, max: 256 });
const path = text({ min: 1 });
const optPath = optional(text({ min: 1 }));
const count = optional(num({ integer: true, min: 0 }));
const progressToken = optional(either(text(), num()));
const intervalMs = optional(num({ min: 1 }));
const monitorIds = optional(listOf(text({ min: 1, max: 64 }), 'monitor ids (strings)'));

export interface BackendProbe {
  name: BackendId;
  /** Whether it can be initialised in this process right now. */
  available: boolean;
  /** Adapter or device description when available, e.g. `NVIDIA: 580.159.04` or `CPU (2 threads, SIMD)`. */
  device?: string;
  /** Why it is unavailable and what to do, when it is not. */
  detail?: string;
  /** A software emulation of the device (WebGPU on lavapipe): works when asked for by name, never chosen by `auto`. */
  software?: boolean;
}

/**
 * `diverged`: the training loss became NaN/Infinity, or blew up (over 100× its first read for 3 reads in a row: trainer/engine/divergence.ts); the run stopped and kept its last good
 * checkpoint. `failed`: an error stopped it. `interrupted`: its trainer died (resumable, like `cancelled`).
 */
export type RunStatus = 'running' | 'completed' | 'failed' | 'diverged' | 'cancelled' | 'interrupted' | 'corrupt';

export interface RunSummary {
  id: string;
  name: string;
  /** Path of the model file the run was started from. */
  modelFile: string;
  status: RunStatus;
  backend: string;
  device: string;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
  step: number;
  totalSteps: number;
  best?: Record<string, number>;
  final?: Record<string, number>;
  error?: string;
  /** A run of a sweep (protocol/sweep.ts): the sweep, the point and its job id. */
  sweep?: { id: string; point: number; job: string };
}

/** Overrides of the model file's `train:`/`data:` settings for one run. */
export interface RunOverrides {
  backend?: BackendRequest;
  epochs?: number;
  steps?: number;
  batchSize?: number;
  lr?: number;
  /** Cap on training samples. */
  limit?: number;
  seed?: number;
  /** Train with `stabilize: auto` when the file has no `stabilize:` block (a file's own block is kept). */
  stabilize?: 'auto';
  /** Discover subnetworks: train with `modularity: on` (the seed's defaults) when the file has no `modularity:` block. */
  modularity?: 'on';
}
/** Closed: a mistyped override is an error naming it, never ignored. Values are checked by the trainer (applyOverrides). */
const overridesSchema = object<RunOverrides>({
  backend: optional(oneOf('auto', 'tensorflow', 'webgpu', 'wasm', 'cpu')),
  epochs: optional(num()), steps: optional(num()), batchSize: optional(num()), lr: optional(num()), limit: optional(num()), seed: optional(num()),
  stabilize: optional(oneOf('auto')),
  modularity: optional(oneOf('on')),
}, { closed: true });

/** JSON-RPC error codes of failures the user must fix (the message says where and what to do). */
export const TrainerErrorCodes = {
  /** The model file is invalid: the message holds `file:line:col: error: …` lines. */
  InvalidModel: -32001,
  BackendUnavailable: -32002,
  /** A run is already training in this trainer process. */
  RunActive: -32003,
  /** Bad data, an unknown run id, a run in the wrong state. */
  InvalidRequest: -32004,
  /** Remote trainer: the token is missing or wrong, or a request came before `initialize`; the trainer closes the connection. */
  Unauthorized: -32005,
} as const;

// ---------------------------------------------------------------------------------------------
// Requests (client -> trainer)

export interface InitializeParams {
  /** Name of the client, for the trainer's log. */
  clientName?: string;
  /** Default runs directory (usually `<workspace>/.dynaxx/runs`). Ignored by a remote trainer, which uses its `--runs-dir`. */
  runsDir?: string;
  /**
   * The remote trainer's token (`dynaxx serve --token T`; in VS Code the setting dynaxx.trainer.token).
   * Required over TCP: a missing or wrong token is refused with `Unauthorized` and the connection is
   * closed. Not needed over stdio.
   */
  token?: string;
}
export interface InitializeResult {
  version: string;
  /** The runs directory runs go to by default (a path on the trainer's machine). */
  runsDir?: string;
  /** True for a remote trainer (`dynaxx serve`): paths in requests are paths on its machine. */
  remote?: boolean;
  backends: BackendProbe[];
  /** The backend `auto` would pick, and why. */
  auto: { backend: BackendId; reason: string };
}
/** Sent first by the client; the trainer answers with what it can run on. */
export namespace InitializeRequest {
  export const method = 'initialize';
  export const type = new RequestType<InitializeParams, InitializeResult, void>(method);
  export const params = object<InitializeParams>({ clientName: optional(text({ max: 200 })), runsDir: optPath, token: optional(text()) });
}

export interface RunStartParams {
  /** Absolute path of the `*.dynaxx.yaml` model file, on the trainer's machine (a remote trainer reads its own disk). */
  modelFile: string;
  /**
   * The model file's text, for a trainer that cannot read `modelFile` (a remote trainer on another machine). When
   * given, the trainer parses this text, with `modelFile` as its name in error positions; relative data and
   * `modelJson` paths still resolve on the trainer's machine, next to `modelFile`'s path there.
   */
  modelText?: string;
  runsDir?: string;
  overrides?: RunOverrides;
  /** Token the trainer uses for `$/progress` of this run; the client creates it. */
  workDoneToken?: string | number;
  /** Metrics are sent at most this often (milliseconds, default 250). */
  metricsIntervalMs?: number;
  /**
   * Per-layer monitor ids (`nonfinite`, `grad-norm`, `activation-variance`). Default: those three when
   * `train.statsEvery > 0`, none otherwise; `[]` turns them off; a list given while statsEvery is 0
   * runs every 10 steps.
   */
  monitors?: string[];
}
export interface RunResumeParams {
  runId: string;
  runsDir?: string;
  workDoneToken?: string | number;
  metricsIntervalMs?: number;
  /** As in `run/start`. */
  monitors?: string[];
}
export interface RunStartResult {
  runId: string;
  runDir: string;
  backend: BackendId;
  device: string;
  totalSteps: number;
  /** The step training starts from (non-zero on resume). */
  startStep: number;
}
/** Client -> trainer: start a run. Returns once the run directory exists and training has begun. */
export namespace RunStartRequest {
  export const method = 'run/start';
  export const type = new RequestType<RunStartParams, RunStartResult, void>(method);
  export const params = object<RunStartParams>({
    modelFile: path, modelText: optional(text()), runsDir: optPath, overrides: optional(overridesSchema),
    workDoneToken: progressToken, metricsIntervalMs: intervalMs, monitors: monitorIds,
  });
}
/** Client -> trainer: resume an interrupted or cancelled run from its last checkpoint. */
export namespace RunResumeRequest {
  export const method = 'run/resume';
  export const type = new RequestType<RunResumeParams, RunStartResult, void>(method);
  export const params = object<RunResumeParams>({ runId, runsDir: optPath, workDoneToken: progressToken, metricsIntervalMs: intervalMs, monitors: monitorIds });
}

export interface RunCancelParams { runId: string }
export interface RunCancelResult { cancelled: boolean }
/** Client -> trainer: stop a run; the trainer writes a checkpoint and marks it `cancelled` (resumable). */
export namespace RunCancelRequest {
  export const method = 'run/cancel';
  export const type = new RequestType<RunCancelParams, RunCancelResult, void>(method);
  export const params = object<RunCancelParams>({ runId });
}

export interface RunListParams { runsDir?: string }
export interface RunListResult { runs: RunSummary[] }
/** Client -> trainer: the runs in a runs directory, newest first. */
export namespace RunListRequest {
  export const method = 'run/list';
  export const type = new RequestType<RunListParams, RunListResult, void>(method);
  export const params = object<RunListParams>({ runsDir: optPath });
}

export interface RunDeleteParams { runId: string; runsDir?: string }
export interface RunDeleteResult { deleted: boolean }
/**
 * Client -> trainer: delete a run directory (checkpoints, metrics, logs), named by its exact id. Refused for the run
 * being trained, for a run another live process is training, for a folder that is not a run (no run.json), and for a
 * run with a damaged run.json whose folder holds files a run does not write. The client asks the user first. Works
 * for remote trainers too.
 */
export namespace RunDeleteRequest {
  export const method = 'run/delete';
  export const type = new RequestType<RunDeleteParams, RunDeleteResult, void>(method);
  export const params = object<RunDeleteParams>({ runId, runsDir: optPath });
}

// ---------------------------------------------------------------------------------------------
// Emergent modularity (seed 000). Discovery itself is `run/start` on a model file with a `modularity:` block;
// its results are the run's `reports/modularity.json` (and `reports/modularity-history.json`).

export interface ModularityReportParams { runId: string; runsDir?: string }
/** The stored analysis and clustering history (protocol/reports.ts), each null for a run without one. */
export interface ModularityReportResult { report: ModularityReport | null; history: ModularityHistory | null }
/** Client -> trainer: the subnetworks a modular run found, with their ablation table, and the clustering history. */
export namespace ModularityReportRequest {
  export const method = 'modularity/report';
  export const type = new RequestType<ModularityReportParams, ModularityReportResult, void>(method);
  export const params = object<ModularityReportParams>({ runId, runsDir: optPath });
}

export interface ModularityExtractParams { runId: string; runsDir?: string; subnetworks: number[]; outDir?: string }
export interface ModularityExtractResult { dir: string; params: number; flops: number; accuracy: number[]; fullParams: number; fullFlops: number }
/** Client -> trainer: export the chosen subnetworks of a modular run as a physically smaller model (tfjs format + model file). */
export namespace ModularityExtractRequest {
  export const method = 'modularity/extract';
  export const type = new RequestType<ModularityExtractParams, ModularityExtractResult, void>(method);
  export const params = object<ModularityExtractParams>({ runId, runsDir: optPath, subnetworks: listOf(num({ integer: true, min: 0 }), 'subnetwork ids (integers ≥ 0)'), outDir: optPath });
}

export interface ModularityGrowParams {
  runId: string;
  /** A model file whose `data:` section describes the new data (its tasks start with the run's). */
  dataFile: string;
  runsDir?: string;
  /** New subnetworks (default 2). */
  add?: number;
  epochs?: number;
  /** Unfreeze everything for the last N steps. */
  jointSteps?: number;
  workDoneToken?: string | number;
  metricsIntervalMs?: number;
}
/** Client -> trainer: grow a completed modular run (a new run, reported like `run/start`; `reports/growth.json`). */
export namespace ModularityGrowRequest {
  export const method = 'modularity/grow';
  export const type = new RequestType<ModularityGrowParams, RunStartResult, void>(method);
  export const params = object<ModularityGrowParams>({
    runId, dataFile: path, runsDir: optPath, add: count, epochs: count, jointSteps: count, workDoneToken: progressToken, metricsIntervalMs: intervalMs,
  });
}

export interface ModularityTransferParams { runId: string; dataFile: string; runsDir?: string; samples?: number }
export interface ModularityTransferResult { rows: TransferRow[] }
/** Client -> trainer: per subnetwork, gradient similarity on the new task vs the old one, with keep/retrain advice. */
export namespace ModularityTransferRequest {
  export const method = 'modularity/transfer';
  export const type = new RequestType<ModularityTransferParams, ModularityTransferResult, void>(method);
  export const params = object<ModularityTransferParams>({ runId, dataFile: path, runsDir: optPath, samples: count });
}

// ---------------------------------------------------------------------------------------------
// Pruning and routing (seed 002).

export interface PruneSweepParams {
  /** A completed run id, or a model file path (trained first, as `run/start` would). */
  target: string;
  runsDir?: string;
  criteria?: string[];
  /** FLOP reductions, percent. */
  targets?: number[];
  schedule?: 'one-shot' | 'linear' | 'cubic';
  finetuneSteps?: number;
  scoreSteps?: number;
  seeds?: number;
  /** Also run the confidence-routing sweep. */
  route?: boolean;
}
/** The sweep (`reports/pareto.json`) and the routing sweep when asked (`reports/routing.json`); protocol/reports.ts. */
export interface PruneSweepResult { runId: string; sweep: SweepResult; routing: RoutingReport | null }
/** Client -> trainer: run the pruning Pareto sweep on a run (long: minutes; progress as window/logMessage lines). */
export namespace PruneSweepRequest {
  export const method = 'prune/sweep';
  export const type = new RequestType<PruneSweepParams, PruneSweepResult, void>(method);
  export const params = object<PruneSweepParams>({
    target: path, runsDir: optPath, criteria: optional(listOf(text({ min: 1, max: 64 }), 'criterion ids (strings)')),
    targets: optional(listOf(num(), 'numbers')), schedule: optional(oneOf('one-shot', 'linear', 'cubic')),
    finetuneSteps: count, scoreSteps: count, seeds: count, route: optional(bool),
  });
}

export interface PruneReportParams { runId: string; runsDir?: string }
export interface PruneReportResult { pareto: SweepResult | null; routing: RoutingReport | null }
/** Client -> trainer: the stored Pareto points and routing curve of a run (null when it has none). */
export namespace PruneReportRequest {
  export const method = 'prune/report';
  export const type = new RequestType<PruneReportParams, PruneReportResult, void>(method);
  export const params = object<PruneReportParams>({ runId, runsDir: optPath });
}

// ---------------------------------------------------------------------------------------------
// Distributed neural architectures (seed 003).

export interface DnaReportParams { runId: string; runsDir?: string }
/** The run's path statistics (`reports/dna.json`, protocol/dna.ts `DnaReport`), or null for a run without `dna` layers. */
export interface DnaReportResult { report: DnaReport | null }
/** Client -> trainer: the stored path statistics of a run (what the dashboard's "Routing paths" view draws). */
export namespace DnaReportRequest {
  export const method = 'dna/report';
  export const type = new RequestType<DnaReportParams, DnaReportResult, void>(method);
  export const params = object<DnaReportParams>({ runId, runsDir: optPath });
}

// ---------------------------------------------------------------------------------------------
// Dashboards (issues 7 and 15).

export interface RunDashboardParams {
  runId: string;
  runsDir?: string;
  /** Stored runs overlaid on the main one in the training view (their metrics, layer statistics and alerts). */
  compare?: string[];
  /** Only the reports (`runs` is empty): what a run that just finished adds to an open dashboard. */
  reportsOnly?: boolean;
}
/**
 * Client -> trainer: everything the dashboard shows of a run, read from its run directory (decimated: see
 * docs/dashboards.md): its metrics, layer statistics and alerts, and its reports as the views draw them, the
 * clustering history and the subnetworks' edge mass included. The same for a local and a remote trainer; the
 * client adds what arrived live since (the trainer flushes its JSONL files at intervals).
 */
export namespace RunDashboardRequest {
  export const method = 'run/dashboard';
  export const type = new RequestType<RunDashboardParams, DashboardData, void>(method);
  export const params = object<RunDashboardParams>({
    runId, runsDir: optPath, compare: optional(listOf(runId, 'run ids (strings)')), reportsOnly: optional(bool),
  });
}

// ---------------------------------------------------------------------------------------------
// Sweeps (issue 17): many runs from one `*.sweep.yaml` file, on the trainer's local pool of worker processes or on
// a BullMQ queue (protocol/sweep.ts). One sweep at a time per trainer process; a sweep does not block `run/start`.

/**
 * A BullMQ queue's URL, `redis://[user:password@]host:port[/db]` or `rediss://…`: never logged, never echoed in errors
 * (no length cap in the schema, whose message would quote the start of the value: the trainer checks the length).
 */
const queueUrl = optional(text({ min: 1 }));
const sweepId = text({ min: 1, max: 256 });

export interface SweepStartParams {
  /** Absolute path of the `*.sweep.yaml` file on the trainer's machine; its `model:` is read beside it. */
  sweepFile: string;
  runsDir?: string;
  /** Local pool size (default: from the cores, the backend and free memory). */
  workers?: number;
  /** Run the points on this BullMQ queue instead of the local pool (workers: `dynaxx worker --queue URL`). */
  queue?: string;
  /** Backend for every point (else each point's model file decides). */
  backend?: BackendRequest;
}
export interface SweepStartResult { sweepId: string }
/**
 * Client -> trainer: read, check and store a sweep, then run it. Answers once the sweep is stored (its points queued);
 * its progress and results come as `sweep/event` notifications until a `finished` event. An invalid sweep file (or
 * base model) answers InvalidModel with `file:line:col` lines; a sweep already running here answers RunActive.
 */
export namespace SweepStartRequest {
  export const method = 'sweep/start';
  export const type = new RequestType<SweepStartParams, SweepStartResult, void>(method);
  export const params = object<SweepStartParams>({
    sweepFile: path, runsDir: optPath, workers: optional(num({ integer: true, min: 1 })), queue: queueUrl,
    backend: optional(oneOf('auto', 'tensorflow', 'webgpu', 'wasm', 'cpu')),
  });
}

export interface SweepAttachParams {
  /** The sweep's id (or a unique prefix of it). */
  sweepId: string;
  /** The queue the sweep runs on; without it, a local sweep whose driver stopped is picked up from the runs directory. */
  queue?: string;
  runsDir?: string;
}
/**
 * Client -> trainer: watch (and drive) a sweep started elsewhere: on a queue, by another trainer or `dynaxx sweep
 * --detach`; or a local sweep whose driver died. Points that finished are kept; events as for `sweep/start`.
 */
export namespace SweepAttachRequest {
  export const method = 'sweep/attach';
  export const type = new RequestType<SweepAttachParams, SweepStartResult, void>(method);
  export const params = object<SweepAttachParams>({ sweepId, queue: queueUrl, runsDir: optPath });
}

export interface SweepCancelParams { sweepId: string }
/**
 * Client -> trainer: cancel the sweep this trainer drives: queued points are dropped, running ones stop with a
 * checkpoint; a `finished` event with status `cancelled` follows. InvalidRequest when no such sweep runs here.
 */
export namespace SweepCancelRequest {
  export const method = 'sweep/cancel';
  export const type = new RequestType<SweepCancelParams, Record<string, never>, void>(method);
  export const params = object<SweepCancelParams>({ sweepId });
}

export interface SweepReportParams { sweepId: string; runsDir?: string }
/** `file`: the HTML report's path on the trainer's machine (`<runs dir>/.sweeps/<id>/report.html`). */
export interface SweepReportResult { file: string }
/** Client -> trainer: write a sweep's HTML report (its points table, per-axis summary and overlaid runs) from its stored record. */
export namespace SweepReportRequest {
  export const method = 'sweep/report';
  export const type = new RequestType<SweepReportParams, SweepReportResult, void>(method);
  export const params = object<SweepReportParams>({ sweepId, runsDir: optPath });
}

export interface SweepEventParams { event: SweepEvent }
/** Trainer -> client: what the sweep this trainer drives is doing (started, a point's state, progress, log, finished). */
export namespace SweepEventNotification {
  export const method = 'sweep/event';
  export const type = new NotificationType<SweepEventParams>(method);
}

// ---------------------------------------------------------------------------------------------
// Notifications (trainer -> client)

export interface RunMetricsParams { runId: string; records: MetricRecord[] }
/** Trainer -> client: metrics, batched and rate-limited (never one message per scalar). */
export namespace RunMetricsNotification {
  export const method = 'run/metrics';
  export const type = new NotificationType<RunMetricsParams>(method);
}

export interface RunAlertParams { runId: string; alert: Alert }
/** Trainer -> client: something went wrong in a layer or in the loss; also stored in the run's alerts.jsonl. */
export namespace RunAlertNotification {
  export const method = 'run/alert';
  export const type = new NotificationType<RunAlertParams>(method);
}

export interface RunLayerStatsParams { runId: string; step: number; layers: LayerStats[] }
/** Trainer -> client: per-layer statistics every `train.statsEvery` steps (for hovers and dashboards). */
export namespace RunLayerStatsNotification {
  export const method = 'run/layerStats';
  export const type = new NotificationType<RunLayerStatsParams>(method);
}

export interface RunFinishedParams {
  runId: string;
  status: RunStatus;
  final?: Record<string, number>;
  error?: string;
}
/** Trainer -> client: the run ended (completed, failed, diverged or cancelled). */
export namespace RunFinishedNotification {
  export const method = 'run/finished';
  export const type = new NotificationType<RunFinishedParams>(method);
}

/** LSP's WorkDoneProgress values, sent as `$/progress` with the run's token. */
export interface WorkDoneProgressBegin { kind: 'begin'; title: string; cancellable?: boolean; message?: string; percentage?: number }
export interface WorkDoneProgressReport { kind: 'report'; cancellable?: boolean; message?: string; percentage?: number }
export interface WorkDoneProgressEnd { kind: 'end'; message?: string }
export type WorkDoneProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;
/** Trainer -> client: `$/progress` with `{ token, value }`. */
export const WorkDoneProgress = new ProgressType<WorkDoneProgressValue>();

export const MessageType = { Error: 1, Warning: 2, Info: 3, Log: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];
export interface LogMessageParams { type: MessageType; message: string }
/** Trainer -> client: a log line (as LSP's window/logMessage). */
export namespace LogMessageNotification {
  export const method = 'window/logMessage';
  export const type = new NotificationType<LogMessageParams>(method);
}
