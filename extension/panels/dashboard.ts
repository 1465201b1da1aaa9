/**
 * The dashboard panel (issue 7): one webview (`dynaxx.dashboard`) showing one run: its metrics, per-layer
 * statistics and alerts, live while it trains, and its reports (subnetworks, Pareto points, routing, DNA paths).
 *
 * The app (webviews/dashboard, bundled to dist/webviews) says `ready` whenever it loads (again: the context is
 * not retained while hidden; the app keeps its tab and settings with getState/setState), and gets `init`: what the
 * trainer's `run/dashboard` answers (the run as stored: metrics, layer statistics, alerts and every report view,
 * clustering history and edge mass included; the same for a local and a remote trainer, which reads its own run
 * directories), plus the live notifications received since the panel opened that the files do not have yet (the
 * trainer flushes its JSONL files at intervals). The extension reads no run directory itself.
 * Then the run's `run/metrics`, `run/layerStats` and `run/alert` notifications are forwarded as they come, its
 * status changes as `status`, and when it finishes its reports as `reports` (`run/dashboard` with `reportsOnly`). Clicks come back as `revealLayer`
 * (the model file opens with the cursor on the layer), `exportPruned`, `exportSubnetwork` and `error`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { LensCommandArgs } from '../../protocol/lsp-ext';
import { ModularityExtractRequest, RunDashboardRequest, RunListRequest, type RunSummary } from '../../protocol/trainer';
import type { DashboardData, FromWebview, RunSeries, ToWebview } from '../../protocol/webview';
import { dashboardHtml } from '../../webviews/dashboard/html';
import { modelFileOf, showTrainerError, type TrainingDeps } from '../training';
import { offsetInText, symbolRangeOf } from './layer-location';
import { alertKey, emptyBuffer, emptySeen, mergeLive, seenOf, trim } from './live-buffer';

export const DASHBOARD_VIEW_TYPE = 'dynaxx.dashboard';

/** What the panel uses of the Ctx (tests build it from parts). */
export interface DashboardCtx extends TrainingDeps {
  extension: vscode.ExtensionContext;
}

/** Live records kept per panel for `init` (a long run's older records are on disk, or dropped for a remote trainer). */
const MAX_BUFFERED_METRICS = 20000;
const MAX_BUFFERED_STATS = 2000;

type Reports = Pick<DashboardData, 'subnetworks' | 'pareto' | 'routing' | 'paths'>;

export class DashboardPanel implements vscode.Disposable {
  /** The one dashboard panel, while it is open. */
  static current: DashboardPanel | undefined;

  /** Shows the dashboard of `runId` (default: the live run, else the latest run), creating the panel or revealing it. */
  static async createOrShow(ctx: DashboardCtx, runId?: string): Promise<DashboardPanel | undefined> {
    const id = runId ?? (await defaultRun(ctx));
    if (!id) {
      void vscode.window.showInformationMessage('No Dynaxx run to show yet: train a model file first.');
      return undefined;
    }
    const open = DashboardPanel.current;
    if (open) {
      open.panel.reveal(undefined, false);
      open.show(id);
      return open;
    }
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Dynaxx Dashboard', column, {
      ...webviewOptions(ctx.extension.extensionUri),
      retainContextWhenHidden: false,
    });
    return (DashboardPanel.current = new DashboardPanel(ctx, panel, id));
  }

  /** Restores a panel VS Code kept across a reload (the serializer); `state` is what the app last setState. */
  static async revive(ctx: DashboardCtx, panel: vscode.WebviewPanel, state: unknown): Promise<DashboardPanel> {
    panel.webview.options = webviewOptions(ctx.extension.extensionUri);
    const saved = state && typeof state === 'object' && typeof (state as { runId?: unknown }).runId === 'string' ? (state as { runId: string }).runId : undefined;
    const id = saved ?? (await defaultRun(ctx).catch(() => undefined));
    DashboardPanel.current?.dispose();
    return (DashboardPanel.current = new DashboardPanel(ctx, panel, id));
  }

  private readonly disposables: vscode.Disposable[] = [];
  /** `init` was posted to the app as it is loaded now: live messages go to it. */
  private ready = false;
  private disposed = false;
  private generation = 0;
  /** Model files of the runs shown (for revealLayer). */
  private modelFiles = new Map<string, string>();
  /** What arrived live for the run since it was shown, and the newest step of each kind the app has. */
  private buffer = emptyBuffer();
  private seen = emptySeen();
  /** Stored runs overlaid on the main one (Dynaxx: Compare runs). */
  private compare: string[] = [];

  private constructor(private readonly ctx: DashboardCtx, readonly panel: vscode.WebviewPanel, private runId: string | undefined) {
    panel.webview.html = this.html();
    const { host } = ctx;
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false; // the app unloads; it says `ready` when it is shown again
      }),
      panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m)),
      host.onMetrics(({ runId, records }) => this.live(runId, () => {
        this.buffer.metrics.push(...records);
        trim(this.buffer.metrics, MAX_BUFFERED_METRICS);
      }, () => {
        const fresh = records.filter((r) => r.step > (this.seen.metrics.get(r.split) ?? -1));
        for (const r of fresh) this.seen.metrics.set(r.split, Math.max(r.step, this.seen.metrics.get(r.split) ?? -1));
        return fresh.length > 0 ? { type: 'metrics', runId, records: fresh } : undefined;
      })),
      host.onLayerStats(({ runId, step, layers }) => this.live(runId, () => {
        this.buffer.layerStats.push({ step, layers });
        trim(this.buffer.layerStats, MAX_BUFFERED_STATS);
      }, () => {
        if (step <= this.seen.layerStats) return undefined;
        this.seen.layerStats = step;
        return { type: 'layerStats', runId, step, layers };
      })),
      host.onAlert(({ runId, alert }) => this.live(runId, () => void this.buffer.alerts.push(alert), () => {
        if (this.seen.alerts.has(alertKey(alert))) return undefined;
        this.seen.alerts.add(alertKey(alert));
        return { type: 'alert', runId, alert };
      })),
      host.onRunStarted((run) => {
        // a new run of the file shown (or the first run, for an empty panel) takes over the panel
        if (run.runId === this.runId) this.post({ type: 'status', runId: run.runId, status: 'running' });
        else if (!this.runId || samePath(this.modelFiles.get(this.runId), run.modelFile)) this.show(run.runId);
      }),
      host.onRunFinished(({ runId, status }) => {
        if (runId !== this.runId) return;
        this.post({ type: 'status', runId, status });
        void this.postReports();
      }),
      host.onDidCrash(({ run }) => {
        if (run && run.runId === this.runId) this.post({ type: 'status', runId: run.runId, status: 'interrupted' });
      }),
    );
  }

  /** The run shown. */
  get shownRunId(): string | undefined {
    return this.runId;
  }

  /** Switches the panel to another run (the app gets a fresh `init`); `compare` runs are overlaid in the training view. */
  show(runId: string, compare: string[] = []): void {
    const others = compare.filter((id) => id !== runId);
    if (runId === this.runId && others.join() === this.compare.join()) return;
    this.runId = runId;
    this.compare = others;
    this.buffer = emptyBuffer();
    this.seen = emptySeen();
    if (this.ready) void this.init();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  // -------------------------------------------------------------------------------------------

  private html(): string {
    const { webview } = this.panel;
    const root = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'webviews');
    if (!existsSync(join(root.fsPath, 'dashboard.js'))) this.ctx.output.warn(`the dashboard app is missing (${root.fsPath}/dashboard.js); run \`npm run build\``);
    return dashboardHtml({
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dashboard.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dashboard.css')).toString(),
      nonce: randomBytes(16).toString('hex'),
      cspSource: webview.cspSource,
    });
  }

  private async onMessage(m: FromWebview): Promise<void> {
    if (!m || typeof m !== 'object') return;
    try {
      switch (m.type) {
        case 'ready': return await this.init();
        case 'revealLayer': return await this.revealLayer(m.runId, m.layerId);
        case 'exportPruned': return await this.exportPruned(m.runId, m.criterion, m.target, m.seed);
        case 'exportSubnetwork': return await this.exportSubnetwork(m.runId, m.subnetwork);
        case 'error': return void this.ctx.output.error(`dashboard: ${m.message}`);
      }
    } catch (e) {
      await showTrainerError(this.ctx, e);
    }
  }

  /** A live notification of `runId`: kept for the next `init`, and forwarded when the app has its data. */
  private live(runId: string, keep: () => void, message: () => ToWebview | undefined): void {
    if (runId !== this.runId) return;
    keep();
    if (!this.ready) return;
    const m = message();
    if (m) this.post(m);
  }

  private async init(): Promise<void> {
    const gen = ++this.generation;
    this.ready = false;
    const data = await this.collect();
    if (gen !== this.generation || this.disposed) return;
    const main = data.runs[0];
    if (main) {
      mergeLive(main, this.buffer);
      this.seen = seenOf(main);
      this.panel.title = `Dashboard: ${main.name}`;
    }
    for (const r of data.runs) if (r.modelFile) this.modelFiles.set(r.runId, r.modelFile);
    this.ready = true;
    this.post({ type: 'init', data });
  }

  /**
   * The run's data from the trainer (`run/dashboard`: its run directory, local or remote alike). When the trainer
   * cannot read it (a damaged run, a trainer that is gone), the run's name and status alone, with what arrived live.
   */
  private async collect(): Promise<DashboardData> {
    const base = { generatedAt: new Date().toISOString(), standalone: false };
    const runId = this.runId;
    if (!runId) return { runs: [], ...base };
    try {
      const compare = this.compare.length > 0 ? { compare: this.compare } : {};
      return { ...(await this.ctx.host.request(RunDashboardRequest.type, { runId, runsDir: this.runsDir(runId), ...compare })), standalone: false };
    } catch (e) {
      this.ctx.output.warn(`dashboard: reading run ${runId}: ${(e as Error).message}`);
    }
    return { runs: [await this.skeleton(runId)], ...base };
  }

  /** The reports of a finished run (the modularity analysis and pruning sweep are written at its end). */
  private async postReports(): Promise<void> {
    const runId = this.runId;
    if (!runId) return;
    let reports: Reports;
    try {
      const { subnetworks, pareto, routing, paths } = await this.ctx.host.request(RunDashboardRequest.type, { runId, runsDir: this.runsDir(runId), reportsOnly: true });
      reports = { subnetworks, pareto, routing, paths };
    } catch (e) {
      this.ctx.output.warn(`dashboard: reading the reports of run ${runId}: ${(e as Error).message}`);
      return;
    }
    if (runId === this.runId && (reports.subnetworks || reports.pareto || reports.routing || reports.paths)) this.post({ type: 'reports', ...reports });
  }

  /** The run without its stored series: name, status and model file from the live run or `run/list`. */
  private async skeleton(runId: string): Promise<RunSeries> {
    const empty = { runId, metrics: [], layerStats: [], alerts: [] };
    const live = this.ctx.host.activeRun;
    if (live?.runId === runId) return { ...empty, name: basename(live.modelFile).replace(/\.dynaxx\.ya?ml$/, ''), status: 'running', modelFile: live.modelFile };
    const summary = (await listRuns(this.ctx).catch(() => [])).find((r) => r.id === runId);
    return summary ? { ...empty, name: summary.name, status: summary.status, modelFile: summary.modelFile } : { ...empty, name: runId, status: 'unknown' };
  }

  /** The `runsDir` of requests about a run: none for a remote trainer (it uses its own), else `localRunsDir`. */
  private runsDir(runId: string): string | undefined {
    return this.ctx.host.remoteAddress ? undefined : this.localRunsDir(runId);
  }

  /** Runs directory of a local run: the live run's own, else the setting. */
  private localRunsDir(runId: string): string {
    const live = this.ctx.host.activeRun;
    return live?.runId === runId ? dirname(live.runDir) : this.ctx.config.runsDirectory;
  }

  /** Opens the run's model file with the cursor on the layer (its range from the language server's outline, else the text). */
  private async revealLayer(runId: string, layerId: string): Promise<void> {
    const file = this.modelFiles.get(runId) ?? (runId === this.ctx.host.activeRun?.runId ? this.ctx.host.activeRun.modelFile : undefined);
    if (!file) return void vscode.window.showWarningMessage(`Dynaxx: the model file of run ${runId} is not known, so layer ${layerId} cannot be shown.`);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const symbols = await Promise.resolve(vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', doc.uri))
      .catch(() => undefined);
    const range = Array.isArray(symbols) ? symbolRangeOf(symbols, layerId) : undefined;
    const offset = range ? undefined : offsetInText(doc.getText(), layerId);
    const pos = range?.start ?? (offset !== undefined ? doc.positionAt(offset) : undefined);
    if (!pos) void vscode.window.showInformationMessage(`Layer ${layerId} is not in ${basename(file)} any more (the file changed after run ${runId}).`);
    const at = pos ?? new vscode.Position(0, 0);
    const shown = vscode.window.visibleTextEditors?.find((e) => samePath(e.document.uri.fsPath, file))?.viewColumn;
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: shown ?? (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One),
      selection: new vscode.Range(at, at),
      preview: false,
    });
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** The sweep already exported every Pareto point to `<run>/export/pruned/<criterion>-<target>[-s<seed>]/`. */
  private async exportPruned(runId: string, criterion: string, target: number, seed: number): Promise<void> {
    const what = `${criterion} at −${target}% FLOPs (seed ${seed})`;
    if (this.ctx.host.remoteAddress) {
      const where = join(this.ctx.host.info?.runsDir ?? '<runs directory>', runId, 'export', 'pruned', `${criterion}-${target}[-s${seed}]`);
      return void vscode.window.showInformationMessage(`The pruned model ${what} is on the trainer's machine (${this.ctx.host.remoteAddress}), in ${where}.`);
    }
    const base = join(this.localRunsDir(runId), runId, 'export', 'pruned');
    const dir = [`${criterion}-${target}-s${seed}`, `${criterion}-${target}`].map((n) => join(base, n)).find((d) => existsSync(d));
    if (!dir) return void vscode.window.showWarningMessage(`No export of the pruned model ${what} in ${base}.`);
    const pick = await vscode.window.showInformationMessage(`Pruned model ${what}: ${dir}`, 'Reveal');
    if (pick === 'Reveal') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(dir));
  }

  /** `modularity/extract` of one subnetwork: a physically smaller model. */
  private async exportSubnetwork(runId: string, subnetwork: number): Promise<void> {
    const remote = this.ctx.host.remoteAddress;
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Dynaxx: exporting subnetwork ${subnetwork} of run ${runId}` },
      () => this.ctx.host.request(ModularityExtractRequest.type, { runId, runsDir: this.runsDir(runId), subnetworks: [subnetwork] }),
    );
    const share = r.fullParams > 0 ? ` (${((100 * r.params) / r.fullParams).toFixed(1)}% of ${r.fullParams})` : '';
    const text = `Subnetwork ${subnetwork} exported: ${r.params} parameters${share}, in ${r.dir}${remote ? ` on ${remote}` : ''}.`;
    this.ctx.output.info(text);
    const pick = await vscode.window.showInformationMessage(text, ...(remote ? [] : ['Reveal']));
    if (pick === 'Reveal') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(r.dir));
  }

  private post(m: ToWebview): void {
    if (this.disposed || !this.ready) return;
    void Promise.resolve(this.panel.webview.postMessage(m)).catch(() => undefined);
  }
}

/**
 * `dynaxx.openDashboard`: from a lens or the editor (`{uri}` or a Uri), the live run of that file, else its latest
 * run, else an offer to train it; from the runs view, that run; with nothing, the live or the latest run.
 */
export async function openDashboard(ctx: DashboardCtx, arg?: LensCommandArgs | vscode.Uri | RunSummary): Promise<DashboardPanel | undefined> {
  if (arg && !(arg instanceof vscode.Uri) && typeof (arg as RunSummary).id === 'string') return DashboardPanel.createOrShow(ctx, (arg as RunSummary).id);
  const uri = modelFileOf(arg as LensCommandArgs | vscode.Uri | undefined);
  if (!uri) return DashboardPanel.createOrShow(ctx);
  const file = uri.fsPath;
  const live = ctx.host.activeRun;
  if (live && samePath(live.modelFile, file)) return DashboardPanel.createOrShow(ctx, live.runId);
  const latest = (await listRuns(ctx)).find((r) => samePath(r.modelFile, file)); // run/list is newest first
  if (latest) return DashboardPanel.createOrShow(ctx, latest.id);
  const pick = await vscode.window.showInformationMessage(`${basename(file)} has no runs yet: train it to see its dashboard.`, 'Train');
  if (pick === 'Train') await vscode.commands.executeCommand('dynaxx.train', { uri: uri.toString() } satisfies LensCommandArgs);
  return undefined;
}

/** `dynaxx.compareRuns`: pick two or more stored runs; the first is the main one, the others are overlaid in the training view. */
export async function compareRuns(ctx: DashboardCtx): Promise<DashboardPanel | undefined> {
  const runs = await listRuns(ctx);
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.name ?? r.id, description: `${r.id} · ${r.status}`, id: r.id })),
    { canPickMany: true, title: 'Runs to compare (the first picked is the main one)' },
  );
  const ids = (picked ?? []).map((p) => p.id);
  if (ids.length === 0) return undefined;
  const panel = await DashboardPanel.createOrShow(ctx, ids[0]);
  panel?.show(ids[0]!, ids.slice(1));
  return panel;
}

/** The webview serializer (panels restored after a reload) and the open panel, as one disposable. */
export function registerDashboard(ctx: DashboardCtx): vscode.Disposable {
  const serializer = vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel, state) => void (await DashboardPanel.revive(ctx, panel, state)),
  });
  return new vscode.Disposable(() => {
    serializer.dispose();
    DashboardPanel.current?.dispose();
  });
}

/** Scripts only from the bundle folder. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webviews')] };
}

function listRuns(ctx: DashboardCtx): Promise<RunSummary[]> {
  const runsDir = ctx.host.remoteAddress ? undefined : ctx.config.runsDirectory;
  return ctx.host.request(RunListRequest.type, { runsDir }).then((r) => r.runs);
}

/** The live run, else the newest one. */
async function defaultRun(ctx: DashboardCtx): Promise<string | undefined> {
  return ctx.host.activeRun?.runId ?? (await listRuns(ctx))[0]?.id;
}

function samePath(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && resolve(a) === resolve(b);
}
