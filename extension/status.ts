/**
 * The training status-bar item: while a run trains, its backend, step, loss and samples/s from `run/metrics`;
 * otherwise the backend `auto` picks, or that the trainer stopped. A click shows the runs.
 */
import * as vscode from 'vscode';
import type { MetricRecord } from '../protocol/trainer';
import type { TrainerHost } from './trainer-host';

export class TrainingStatus implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];
  private last: MetricRecord | undefined;

  constructor(private readonly host: TrainerHost) {
    this.item = vscode.window.createStatusBarItem('dynaxx.training', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Dynaxx Training';
    this.item.command = 'dynaxx.showRuns';
    this.subscriptions.push(
      host.onRunStarted(() => {
        this.last = undefined;
        this.render();
      }),
      host.onMetrics((p) => {
        if (p.runId !== host.activeRun?.runId) return;
        const train = p.records.filter((r) => r.split === 'train');
        if (train.length === 0) return;
        this.last = train[train.length - 1];
        this.render();
      }),
      host.onRunFinished(() => this.render()),
      host.onDidChangeState(() => this.render()),
    );
    this.render();
    this.item.show();
  }

  render(): void {
    const run = this.host.activeRun;
    if (run) {
      const m = this.last;
      const parts = [run.backend, `step ${m?.step ?? run.startStep}/${run.totalSteps}`];
      if (typeof m?.loss === 'number') parts.push(`loss ${formatLoss(m.loss)}`);
      if (typeof m?.samplesPerSec === 'number') parts.push(`${formatRate(m.samplesPerSec)} samples/s`);
      this.item.text = `$(sync~spin) ${parts.join(' · ')}`;
      this.item.tooltip = `Training ${run.runId} on ${run.backend} (${run.device}). Click to show the runs.`;
      this.item.backgroundColor = undefined;
      return;
    }
    this.last = undefined;
    if (this.host.state === 'crashed') {
      this.item.text = '$(error) Dynaxx: trainer stopped';
      this.item.tooltip = 'The trainer stopped unexpectedly. Run "Dynaxx: Restart trainer".';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      return;
    }
    const auto = this.host.info?.auto;
    this.item.text = `$(beaker) Dynaxx${auto ? `: ${auto.backend}` : ''}`;
    this.item.tooltip = auto ? `Idle. auto picks ${auto.backend}: ${auto.reason}. Click to show the runs.` : 'Idle. Click to show the runs.';
    this.item.backgroundColor = undefined;
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.item.dispose();
  }
}

function formatLoss(x: number): string {
  return Math.abs(x) >= 100 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(4);
}

function formatRate(x: number): string {
  return x >= 10_000 ? `${(x / 1000).toFixed(1)}k` : x >= 100 ? x.toFixed(0) : x.toFixed(1);
}
