/** A TrainerHost stand-in driven by the test: the same events, fired by hand. */
import * as vscode from 'vscode';
import type { InitializeResult, RunAlertParams, RunFinishedParams, RunLayerStatsParams, RunMetricsParams } from '../../protocol/trainer';
import type { CrashInfo, LiveRun, TrainerHost, TrainerState } from '../trainer-host';

export function fakeHost() {
  const e = {
    metrics: new vscode.EventEmitter<RunMetricsParams>(),
    alert: new vscode.EventEmitter<RunAlertParams>(),
    layerStats: new vscode.EventEmitter<RunLayerStatsParams>(),
    finished: new vscode.EventEmitter<RunFinishedParams>(),
    runStarted: new vscode.EventEmitter<LiveRun>(),
    started: new vscode.EventEmitter<InitializeResult>(),
    crashed: new vscode.EventEmitter<CrashInfo>(),
    state: new vscode.EventEmitter<TrainerState>(),
  };
  const host = {
    state: 'running' as TrainerState,
    activeRun: undefined as LiveRun | undefined,
    info: undefined as InitializeResult | undefined,
    onMetrics: e.metrics.event,
    onAlert: e.alert.event,
    onLayerStats: e.layerStats.event,
    onRunFinished: e.finished.event,
    onRunStarted: e.runStarted.event,
    onDidStart: e.started.event,
    onDidCrash: e.crashed.event,
    onDidChangeState: e.state.event,
    /** Starts a live run as the real host does after `run/start`. */
    startRun(run: LiveRun) {
      host.activeRun = run;
      e.runStarted.fire(run);
    },
    finish(p: RunFinishedParams) {
      host.activeRun = undefined;
      e.finished.fire(p);
    },
    crash(reason = 'killed by SIGKILL') {
      const run = host.activeRun;
      host.activeRun = undefined;
      host.state = 'crashed';
      e.state.fire('crashed');
      e.crashed.fire({ reason, run });
    },
    events: e,
  };
  return host as typeof host & TrainerHost;
}

export function liveRun(over: Partial<LiveRun> = {}): LiveRun {
  return { runId: 'r1', runDir: '/runs/r1', backend: 'wasm', device: 'CPU (2 threads, SIMD)', totalSteps: 600, startStep: 0, modelFile: '/ws/m.dynaxx.yaml', ...over };
}
