/**
 * The dashboard's data: the `DashboardData` the page started with, grown by the extension's live messages. Applying a
 * message says what changed, so that only the views that show it are redrawn.
 */
import type { DashboardData, RunSeries, ToWebview } from '../../protocol/webview';

export type Change =
  | { kind: 'all' }
  | { kind: 'metrics'; runId: string }
  | { kind: 'layerStats'; runId: string }
  | { kind: 'alert'; runId: string }
  | { kind: 'status'; runId: string }
  | { kind: 'reports' };

export const EMPTY_DATA: DashboardData = { runs: [], generatedAt: new Date(0).toISOString(), standalone: true };

export class DashboardStore {
  constructor(public data: DashboardData) {}

  private run(runId: string): RunSeries {
    let run = this.data.runs.find((r) => r.runId === runId);
    if (!run) {
      // a run that started after the page: shown like the others
      run = { runId, name: runId, status: 'running', metrics: [], layerStats: [], alerts: [] };
      this.data.runs.push(run);
    }
    return run;
  }

  /** Applies a message from the extension; returns what changed. */
  apply(message: ToWebview): Change {
    switch (message.type) {
      case 'init':
        this.data = message.data;
        return { kind: 'all' };
      case 'metrics':
        this.run(message.runId).metrics.push(...message.records);
        return { kind: 'metrics', runId: message.runId };
      case 'layerStats':
        this.run(message.runId).layerStats.push({ step: message.step, layers: message.layers });
        return { kind: 'layerStats', runId: message.runId };
      case 'alert':
        this.run(message.runId).alerts.push(message.alert);
        return { kind: 'alert', runId: message.runId };
      case 'status':
        this.run(message.runId).status = message.status;
        return { kind: 'status', runId: message.runId };
      case 'reports':
        if (message.subnetworks) this.data.subnetworks = message.subnetworks;
        if (message.pareto) this.data.pareto = message.pareto;
        if (message.routing) this.data.routing = message.routing;
        if (message.paths) this.data.paths = message.paths;
        return { kind: 'reports' };
    }
  }
}

/** Whether `value` looks like a message from the extension (messages from elsewhere are ignored). */
export function isToWebview(value: unknown): value is ToWebview {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'init' || type === 'metrics' || type === 'layerStats' || type === 'alert' || type === 'status' || type === 'reports';
}
