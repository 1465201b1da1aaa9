/**
 * Hosts the trainer: spawns the bundled `dist/trainer.js --stdio` with the configured node (or connects to
 * a remote `dynaxx serve` over TCP) and speaks protocol/trainer.ts to it. It starts lazily, on the first
 * request, and re-emits the trainer's notifications as events for the rest of the extension.
 *
 * An unexpected exit is a crash: the live run is reported interrupted (the trainer's run store reads a run
 * whose process died as `interrupted`, resumable), its progress ends, and a notification offers Restart and
 * Open logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import * as vscode from 'vscode';
import { ResponseError, type RequestParam, type RequestType } from 'vscode-jsonrpc';
import {
  createMessageConnection,
  SocketMessageReader,
  SocketMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  InitializeRequest,
  LogMessageNotification,
  MessageType,
  RunAlertNotification,
  RunCancelRequest,
  RunFinishedNotification,
  RunLayerStatsNotification,
  RunMetricsNotification,
  RunResumeRequest,
  RunStartRequest,
  SweepEventNotification,
  TrainerErrorCodes,
  WorkDoneProgress,
  type InitializeParams,
  type InitializeResult,
  type RunAlertParams,
  type RunFinishedParams,
  type RunLayerStatsParams,
  type RunMetricsParams,
  type RunResumeParams,
  type RunStartParams,
  type RunStartResult,
  type SweepEventParams,
  type WorkDoneProgressValue,
} from '../protocol/trainer';
import type { Config } from './config';
import type { Output } from './output';

export type TrainerState = 'stopped' | 'starting' | 'running' | 'crashed';

/** The run the trainer is training now, with the model file it came from. */
export interface LiveRun extends RunStartResult {
  /** Path of the model file. */
  modelFile: string;
}

export interface CrashInfo {
  /** `killed by SIGKILL`, `exit code 1`, `connection closed`. */
  reason: string;
  /** The run that was live: it is now `interrupted`. */
  run?: LiveRun;
}

export class TrainerHost implements vscode.Disposable {
  private readonly metrics = new vscode.EventEmitter<RunMetricsParams>();
  private readonly alerts = new vscode.EventEmitter<RunAlertParams>();
  private readonly layerStats = new vscode.EventEmitter<RunLayerStatsParams>();
  private readonly finished = new vscode.EventEmitter<RunFinishedParams>();
  private readonly runStarted = new vscode.EventEmitter<LiveRun>();
  private readonly started = new vscode.EventEmitter<InitializeResult>();
  private readonly crashed = new vscode.EventEmitter<CrashInfo>();
  private readonly stateChanged = new vscode.EventEmitter<TrainerState>();
  private readonly sweepEvent = new vscode.EventEmitter<SweepEventParams>();

  readonly onMetrics = this.metrics.event;
  readonly onAlert = this.alerts.event;
  readonly onLayerStats = this.layerStats.event;
  readonly onRunFinished = this.finished.event;
  readonly onRunStarted = this.runStarted.event;
  readonly onDidStart = this.started.event;
  readonly onDidCrash = this.crashed.event;
  readonly onDidChangeState = this.stateChanged.event;
  /** The trainer's `sweep/event`s (the sweep it drives: sweep.ts follows them). */
  readonly onSweepEvent = this.sweepEvent.event;

  /** What `initialize` reported: backends, their devices or why they are missing, what `auto` picks. */
  info: InitializeResult | undefined;
  /** The run being trained, if any. */
  activeRun: LiveRun | undefined;

  private _state: TrainerState = 'stopped';
  private conn: MessageConnection | undefined;
  private child: ChildProcess | undefined;
  private socket: Socket | undefined;
  private starting: Promise<MessageConnection> | undefined;
  private progressOfActive: ((v: WorkDoneProgressValue) => void) | undefined;
  private tokens = 0;
  /** `host:port` of the remote trainer the connection goes to, undefined for a local process. */
  private connectedTo: string | undefined;

  constructor(
    private readonly config: Config,
    private readonly output: Output,
    /** Absolute path of the bundled trainer (`dist/trainer.js`). */
    private readonly trainerScript: string,
  ) {}

  get state(): TrainerState {
    return this._state;
  }

  /** Process id of the local trainer, while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** `host:port` of the remote trainer (the connected one, else the configured one); undefined for a local one. */
  get remoteAddress(): string | undefined {
    if (this.conn) return this.connectedTo;
    const r = this.config.remote;
    return r && `${r.host}:${r.port}`;
  }

  /** The connection, starting the trainer first when it is not running. */
  connection(): Promise<MessageConnection> {
    if (this.conn && this._state === 'running') return Promise.resolve(this.conn);
    this.starting ??= this.startTrainer().finally(() => (this.starting = undefined));
    return this.starting;
  }

  async request<P, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    return (await this.connection()).sendRequest(type, params as RequestParam<P>);
  }

  /** `run/start` with a fresh progress token; `onProgress` gets its `$/progress` values (and `end` on a crash). */
  start(params: Omit<RunStartParams, 'workDoneToken'>, onProgress?: (v: WorkDoneProgressValue) => void): Promise<LiveRun> {
    return this.launch(RunStartRequest.type, params, params.modelFile, onProgress);
  }

  /** `run/resume` of a run started from `modelFile`. */
  resume(params: Omit<RunResumeParams, 'workDoneToken'>, modelFile: string, onProgress?: (v: WorkDoneProgressValue) => void): Promise<LiveRun> {
    return this.launch(RunResumeRequest.type, params, modelFile, onProgress);
  }

  /** Asks the trainer to stop the live run (it checkpoints and marks it `cancelled`). */
  async cancelActive(): Promise<boolean> {
    const run = this.activeRun;
    if (!run || !this.conn) return false;
    return (await this.conn.sendRequest(RunCancelRequest.type, { runId: run.runId })).cancelled;
  }

  /** Stops the trainer (a live run is cancelled with a checkpoint) and starts it again. */
  async restart(): Promise<InitializeResult> {
    await this.stop();
    await this.connection();
    return this.info!;
  }

  /** Ends the trainer: closing its input makes it cancel the live run with a checkpoint and exit. */
  async stop(): Promise<void> {
    const { child, socket, conn } = this;
    this.child = this.socket = this.conn = undefined;
    this.endActive('end', 'trainer stopped');
    this.setState('stopped');
    conn?.dispose();
    socket?.destroy();
    if (child && child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  }

  dispose(): void {
    void this.stop();
    for (const e of [this.metrics, this.alerts, this.layerStats, this.finished, this.runStarted, this.started, this.crashed, this.stateChanged, this.sweepEvent]) e.dispose();
  }

  // -------------------------------------------------------------------------------------------

  private async launch<P extends { workDoneToken?: string | number; runsDir?: string }>(
    type: RequestType<P, RunStartResult, void>,
    params: Omit<P, 'workDoneToken'>,
    modelFile: string,
    onProgress?: (v: WorkDoneProgressValue) => void,
  ): Promise<LiveRun> {
    const conn = await this.connection();
    const token = `dynaxx-run-${++this.tokens}`;
    const sub = onProgress && conn.onProgress(WorkDoneProgress, token, (v) => {
      onProgress(v);
      if (v.kind === 'end') sub?.dispose();
    });
    // `begin` arrives before the response: route a crash's `end` to this handler from now on
    const previous = this.progressOfActive;
    this.progressOfActive = onProgress;
    try {
      const result = await conn.sendRequest(type, { ...params, workDoneToken: token } as RequestParam<P>);
      const run: LiveRun = { ...result, modelFile };
      this.activeRun = run;
      this.runStarted.fire(run);
      return run;
    } catch (e) {
      sub?.dispose();
      if (this.progressOfActive === onProgress) this.progressOfActive = previous;
      throw e;
    }
  }

  private async startTrainer(): Promise<MessageConnection> {
    if (!vscode.workspace.isTrusted) throw new Error('the Dynaxx trainer does not run in Restricted Mode; trust the workspace to train');
    const remote = this.config.remote;
    this.setState('starting');
    this.connectedTo = remote && `${remote.host}:${remote.port}`;
    try {
      const { conn, failed } = remote ? await this.connectRemote(remote.host, remote.port) : this.spawnLocal();
      this.conn = conn;
      this.bind(conn);
      conn.listen();
      const params: InitializeParams = remote
        ? { clientName: 'vscode', token: remote.token }
        : { clientName: 'vscode', runsDir: this.config.runsDirectory };
      this.info = await Promise.race([conn.sendRequest(InitializeRequest.type, params), failed]);
      const where = remote ? `at ${remote.host}:${remote.port}` : `(pid ${this.child?.pid})`;
      this.output.info(`trainer ${this.info.version} ${where}: auto picks ${this.info.auto.backend} (${this.info.auto.reason})`);
      this.setState('running');
      this.started.fire(this.info);
      return conn;
    } catch (e) {
      const text = (e as Error).message ?? String(e);
      const refused = remote && ((e instanceof ResponseError && e.code === TrainerErrorCodes.Unauthorized) || /closed the connection/.test(text));
      const message = refused
        ? `the trainer at ${remote.host}:${remote.port} refused the connection: ${text}${/dynaxx\.trainer\.token/.test(text) ? '' : ' (check dynaxx.trainer.token)'}`
        : `could not start the Dynaxx trainer: ${text}`;
      this.output.error(message);
      const { child, socket, conn } = this;
      this.child = this.socket = this.conn = undefined;
      conn?.dispose();
      socket?.destroy();
      child?.kill('SIGKILL');
      this.setState('stopped');
      throw new Error(message);
    }
  }

  /** A local trainer process; `failed` rejects when it cannot be spawned or exits during start. */
  private spawnLocal(): { conn: MessageConnection; failed: Promise<never> } {
    const { command, env } = this.config.nodeCommand;
    const cwd = this.config.workspaceFolder;
    this.output.info(`starting ${command} ${this.trainerScript} --stdio`);
    const child = spawn(command, [this.trainerScript, '--stdio'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => this.output.append(d.toString()));
    child.stdin!.on('error', () => { /* the exit handler reports it */ });
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (e) => reject(new Error(`${command}: ${e.message} (set dynaxx.trainer.nodePath to a node executable)`)));
      child.once('exit', (code, signal) => reject(new Error(`the trainer exited during start (${describeExit(code, signal)}); see the Dynaxx output`)));
    });
    failed.catch(() => undefined);
    child.on('exit', (code, signal) => {
      if (this.child === child && this._state === 'running') this.onCrash(describeExit(code, signal));
    });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    return { conn, failed };
  }

  private async connectRemote(host: string, port: number): Promise<{ conn: MessageConnection; failed: Promise<never> }> {
    this.output.info(`connecting to the trainer at ${host}:${port}`);
    const socket = connect({ host, port });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (e) => reject(new Error(`cannot reach ${host}:${port}: ${e.message} (check dynaxx.trainer.address)`)));
    });
    const failed = new Promise<never>((_, reject) => socket.once('close', () => reject(new Error(`${host}:${port} closed the connection`))));
    failed.catch(() => undefined);
    socket.on('error', (e) => this.output.warn(`trainer connection: ${e.message}`));
    socket.on('close', () => {
      if (this.socket === socket && this._state === 'running') this.onCrash(`connection to ${host}:${port} closed`);
    });
    return { conn: createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket)), failed };
  }

  private bind(conn: MessageConnection): void {
    conn.onNotification(RunMetricsNotification.type, (p) => this.metrics.fire(p));
    conn.onNotification(RunAlertNotification.type, (p) => this.alerts.fire(p));
    conn.onNotification(RunLayerStatsNotification.type, (p) => this.layerStats.fire(p));
    conn.onNotification(SweepEventNotification.type, (p) => this.sweepEvent.fire(p));
    conn.onNotification(RunFinishedNotification.type, (p) => {
      if (this.activeRun?.runId === p.runId) {
        this.activeRun = undefined;
        this.progressOfActive = undefined;
      }
      const line = `run ${p.runId} ${p.status}${p.error ? `: ${p.error}` : ''}`;
      if (p.status === 'failed' || p.status === 'diverged') this.output.error(line);
      else this.output.info(line);
      this.finished.fire(p);
    });
    conn.onNotification(LogMessageNotification.type, (p) => {
      if (p.type === MessageType.Error) this.output.error(p.message);
      else if (p.type === MessageType.Warning) this.output.warn(p.message);
      else this.output.info(p.message);
    });
    conn.onError(([e]) => this.output.warn(`trainer connection: ${e.message}`));
  }

  private onCrash(reason: string): void {
    const run = this.activeRun;
    this.conn?.dispose();
    this.child = this.socket = this.conn = undefined;
    this.endActive('end', 'interrupted');
    this.setState('crashed');
    this.output.error(`the trainer stopped unexpectedly (${reason})${run ? `; run ${run.runId} is interrupted at its last checkpoint` : ''}`);
    this.crashed.fire({ reason, run });
    void this.offerRestart(reason, run);
  }

  private async offerRestart(reason: string, run: LiveRun | undefined): Promise<void> {
    const detail = run ? ` Run ${run.runId} was interrupted; resume it from the Dynaxx Runs view.` : '';
    const pick = await vscode.window.showErrorMessage(`The Dynaxx trainer stopped unexpectedly (${reason}).${detail}`, 'Restart', 'Open logs');
    if (pick === 'Open logs') this.output.show();
    if (pick === 'Restart') {
      try {
        await this.restart();
      } catch (e) {
        void vscode.window.showErrorMessage((e as Error).message, 'Open logs').then((p) => p && this.output.show());
      }
    }
  }

  /** Ends the live run's progress (on a crash or stop) and forgets the run. */
  private endActive(kind: 'end', message: string): void {
    const progress = this.progressOfActive;
    this.progressOfActive = undefined;
    this.activeRun = undefined;
    progress?.({ kind, message });
  }

  private setState(s: TrainerState): void {
    if (this._state === s) return;
    this._state = s;
    this.stateChanged.fire(s);
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}
