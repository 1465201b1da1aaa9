/**
 * The Dynaxx Runs view (`dynaxx.runs`, in the Explorer): the runs of `run/list`, newest first, with a status
 * icon, backend and accuracy. Context values (`run-<status>`) drive the context menu: resume for interrupted
 * and cancelled runs, reveal folder, delete for any run that is not training.
 */
import * as vscode from 'vscode';
import { RunListRequest, type RunStatus, type RunSummary } from '../protocol/trainer';
import type { Config } from './config';
import type { Output } from './output';
import type { TrainerHost } from './trainer-host';

const ICONS: Record<RunStatus, [icon: string, color?: string]> = {
  running: ['sync~spin'],
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  diverged: ['flame', 'testing.iconFailed'],
  cancelled: ['debug-pause', 'testing.iconSkipped'],
  interrupted: ['warning', 'list.warningForeground'],
  corrupt: ['question', 'list.errorForeground'],
};

/** Statuses a run can be resumed from (not `diverged`: with the same settings it would diverge again). */
export const RESUMABLE: readonly RunStatus[] = ['interrupted', 'cancelled'];

export class RunsView implements vscode.TreeDataProvider<RunSummary>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunSummary | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];
  private runs: RunSummary[] = [];

  constructor(
    private readonly host: TrainerHost,
    private readonly config: Config,
    private readonly output: Output,
  ) {
    const refresh = () => this.refresh();
    this.subscriptions.push(
      host.onRunStarted(refresh),
      host.onRunFinished(refresh),
      host.onDidStart(refresh),
      host.onDidCrash(({ run }) => {
        // what the restarted trainer will list: the live run is interrupted, resumable
        this.runs = this.runs.map((r) => (r.id === run?.runId || r.status === 'running' ? { ...r, status: 'interrupted' } : r));
        this.refresh();
      }),
    );
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** The runs as of the last listing. */
  get current(): readonly RunSummary[] {
    return this.runs;
  }

  async getChildren(element?: RunSummary): Promise<RunSummary[]> {
    if (element) return [];
    if (!vscode.workspace.isTrusted) return []; // the view's welcome content explains Restricted Mode
    if (this.host.state === 'crashed') return this.runs; // no restart behind the user's back
    try {
      const runsDir = this.host.remoteAddress ? undefined : this.config.runsDirectory;
      this.runs = (await this.host.request(RunListRequest.type, { runsDir })).runs;
    } catch (e) {
      this.output.error(`listing runs: ${(e as Error).message}`);
      this.runs = [];
    }
    return this.runs;
  }

  getTreeItem(run: RunSummary): vscode.TreeItem {
    return runItem(run);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}

/** The tree item of one run: `<name>`, described by `<status> · <backend> · <accuracy>`. */
export function runItem(run: RunSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.None);
  item.id = run.id;
  const acc = accuracyOf(run);
  const progress = run.status === 'completed' ? undefined : `step ${run.step}/${run.totalSteps}`;
  item.description = [run.status, run.backend, progress, acc].filter(Boolean).join(' · ');
  const [icon, color] = ICONS[run.status] ?? ['circle-outline'];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = `run-${run.status}`;
  item.tooltip = [
    `${run.id}`,
    `${run.status} at step ${run.step}/${run.totalSteps}`,
    `backend ${run.backend} (${run.device})`,
    `model ${run.modelFile}`,
    acc && `accuracy ${acc}`,
    run.error && `error: ${run.error}`,
    RESUMABLE.includes(run.status) ? 'Resumable from its last checkpoint.' : undefined,
    run.status === 'diverged' ? 'Its loss diverged: lower the learning rate, enable clipping or stabilization, and train it again.' : undefined,
  ].filter(Boolean).join('\n');
  return item;
}

/** `test 91.2%` (final test), else `val 90.8%` (final validation), else `best 90.1%` (best validation). */
export function accuracyOf(run: RunSummary): string | undefined {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  if (run.final?.testAccuracy !== undefined) return `test ${pct(run.final.testAccuracy)}`;
  if (run.final?.valAccuracy !== undefined) return `val ${pct(run.final.valAccuracy)}`;
  if (run.best?.valAccuracy !== undefined) return `best ${pct(run.best.valAccuracy)}`;
  return undefined;
}
