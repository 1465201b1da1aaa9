/**
 * Forwards what the trainer reports about a run to the language server, which knows the model file's
 * ranges: `run/alert` becomes `dynaxx/runAlerts` (the run's full current list) and `run/layerStats` becomes
 * `dynaxx/runStats`, each with the URI of the model file the run came from. A new run of a file clears the
 * alerts of that file's earlier runs.
 */
import { pathToFileURL } from 'node:url';
import * as vscode from 'vscode';
import type { NotificationType } from 'vscode-jsonrpc';
import { RunAlertsNotification, RunStatsNotification, type RunStatsParams } from '../protocol/lsp-ext';
import type { Alert } from '../protocol/trainer';
import type { TrainerHost } from './trainer-host';

/** Where the notifications go: the language client, when it runs. */
export interface ServerSink {
  sendNotification<P>(type: NotificationType<P>, params: P): void;
}

interface RunRecord {
  uri: string;
  alerts: Alert[];
  stats?: RunStatsParams;
}

export class AlertForwarder implements vscode.Disposable {
  /** Runs of this session by id, with their model file's URI. */
  private readonly runs = new Map<string, RunRecord>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(host: TrainerHost, private readonly sink: () => ServerSink | undefined) {
    this.subscriptions = [
      host.onRunStarted((run) => this.runStarted(run.runId, pathToFileURL(run.modelFile).toString())),
      host.onAlert(({ runId, alert }) => {
        const rec = this.runs.get(runId);
        if (!rec) return;
        rec.alerts.push(alert);
        this.send(RunAlertsNotification.type, { uri: rec.uri, runId, alerts: rec.alerts });
      }),
      host.onLayerStats(({ runId, step, layers }) => {
        const rec = this.runs.get(runId);
        if (!rec) return;
        rec.stats = { uri: rec.uri, runId, step, status: 'running', layers };
        this.send(RunStatsNotification.type, rec.stats);
      }),
      host.onRunFinished(({ runId, status }) => this.ended(runId, status)),
      host.onDidCrash(({ run }) => run && this.ended(run.runId, 'interrupted')),
    ];
  }

  /** The model file URI of a run started in this session. */
  uriOf(runId: string): string | undefined {
    return this.runs.get(runId)?.uri;
  }

  /** Remembers the run's file and clears what earlier runs of the same file reported. */
  runStarted(runId: string, uri: string): void {
    for (const [id, rec] of this.runs) {
      if (rec.uri !== uri || id === runId) continue;
      if (rec.alerts.length > 0) this.send(RunAlertsNotification.type, { uri, runId: id, alerts: [] });
      this.runs.delete(id);
    }
    this.runs.set(runId, this.runs.get(runId) ?? { uri, alerts: [] });
  }

  /** Resends the stats of a run whose status changed (hovers then say it is no longer live). */
  private ended(runId: string, status: RunStatsParams['status']): void {
    const rec = this.runs.get(runId);
    if (!rec?.stats) return;
    rec.stats = { ...rec.stats, status };
    this.send(RunStatsNotification.type, rec.stats);
  }

  /** Sends everything known again (after the language server restarted). */
  resend(): void {
    for (const [runId, rec] of this.runs) {
      if (rec.alerts.length > 0) this.send(RunAlertsNotification.type, { uri: rec.uri, runId, alerts: rec.alerts });
      if (rec.stats) this.send(RunStatsNotification.type, rec.stats);
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }

  private send<P>(type: NotificationType<P>, params: P): void {
    this.sink()?.sendNotification(type, params);
  }
}
