/**
 * The dashboard page (issue 7). Its data comes from a `<script type="application/json" id="dashboard-data">` element
 * (a standalone `dynaxx report` file, or a webview that embeds it) or from the extension's `init` message, then grows
 * with live messages (`ToWebview`). A tab is shown per view whose data exists. Messages only mark views dirty; the
 * frame scheduler redraws each at most once per frame, and only while it is shown. Clicks that need the extension
 * post `FromWebview` messages; in a standalone report they say what they would have done.
 */
import './nonce';
import './elements';
import type { DashboardData, FromWebview } from '../../protocol/webview';
import { post, vscodeApi } from './host';
import { StateStore } from './state';
import { DashboardStore, EMPTY_DATA, isToWebview, type Change } from './store';
import { readTheme, watchTheme, type Theme } from './theme';
import { FrameScheduler } from './throttle';
import { themeCharts } from './views/charts';
import { PathsView } from './views/paths';
import { PruningView } from './views/pruning';
import { StabilityView } from './views/stability';
import { SubnetworksView } from './views/subnetworks';
import { SweepView } from './views/sweep';
import { TrainingView } from './views/training';
import { el, type Actions, type View, type ViewContext } from './views/view';

interface Tab { view: View; header: HTMLElement; panel: HTMLElement }

class Dashboard {
  private readonly state = new StateStore();
  private readonly scheduler = new FrameScheduler();
  private readonly store: DashboardStore;
  private readonly views: View[];
  private readonly tabs = document.createElement('vscode-tabs');
  private readonly mounted: Tab[] = [];
  private readonly empty = el('div', 'empty', 'Waiting for data…');
  private readonly notice = el('div', 'notice');
  private noticeTimer = 0;
  private theme: Theme = readTheme();

  constructor(root: HTMLElement, data: DashboardData | undefined) {
    this.store = new DashboardStore(data ?? structuredClone(EMPTY_DATA));
    const ctx: ViewContext = {
      state: this.state,
      actions: this.actions(),
      theme: () => this.theme,
      invalidate: (view) => this.scheduler.invalidate(view),
    };
    themeCharts(this.theme, []);
    this.views = [new SweepView(ctx), new TrainingView(ctx), new StabilityView(ctx), new SubnetworksView(ctx), new PruningView(ctx), new PathsView(ctx)];
    this.notice.hidden = true;
    this.notice.setAttribute('role', 'status');
    root.append(this.tabs, this.empty, this.notice);
    this.tabs.addEventListener('vsc-tabs-select', (e) => this.activate(this.mounted[e.detail.selectedIndex]?.view.id));
    watchTheme((theme) => {
      this.theme = theme;
      themeCharts(theme, []);
      for (const v of this.views) v.themeChanged(theme);
    });
    if (data) this.apply({ kind: 'all' });
  }

  /** A message from the extension (or the stress benchmark): data first, redraws in the next frame. */
  receive(message: unknown): void {
    if (!isToWebview(message)) return;
    this.apply(this.store.apply(message));
  }

  private apply(change: Change): void {
    this.syncTabs();
    for (const v of this.views) v.update(this.store.data, change);
  }

  /** One tab per view with data, in the views' order; the remembered tab is selected when it exists. */
  private syncTabs(): void {
    const data = this.store.data;
    let changed = false;
    for (const view of this.views) {
      const i = this.mounted.findIndex((t) => t.view === view);
      const want = view.available(data);
      if (want && i < 0) {
        const header = document.createElement('vscode-tab-header');
        header.slot = 'header';
        header.textContent = view.title;
        header.dataset.view = view.id;
        const panel = document.createElement('vscode-tab-panel');
        panel.append(view.element);
        const at = this.views.indexOf(view);
        const next = this.mounted.find((t) => this.views.indexOf(t.view) > at);
        this.tabs.insertBefore(header, next?.header ?? null);
        this.tabs.insertBefore(panel, next?.panel ?? null);
        this.mounted.splice(next ? this.mounted.indexOf(next) : this.mounted.length, 0, { view, header, panel });
        changed = true;
      } else if (!want && i >= 0) {
        const [tab] = this.mounted.splice(i, 1);
        tab.header.remove();
        tab.panel.remove();
        view.active = false;
        changed = true;
      }
    }
    this.empty.hidden = this.mounted.length > 0;
    this.tabs.hidden = this.mounted.length === 0;
    if (changed) this.activate(this.state.get().tab);
  }

  private activate(id: string | undefined): void {
    const index = Math.max(0, this.mounted.findIndex((t) => t.view.id === id));
    const tab = this.mounted[index];
    if (!tab) return;
    this.mounted.forEach((t, i) => (t.view.active = i === index));
    if (this.tabs.selectedIndex !== index) this.tabs.selectedIndex = index;
    if (id === tab.view.id) this.state.update({ tab: id });
    this.scheduler.request();
  }

  private actions(): Actions {
    const standalone = () => this.store.data.standalone || !vscodeApi();
    const runId = () => this.store.data.runs[0]?.runId ?? '';
    const send = (message: FromWebview, otherwise: string) => {
      if (standalone() || !post(message)) this.say(otherwise);
    };
    return {
      revealLayer: (run, layerId) => {
        const file = this.store.data.runs.find((r) => r.runId === run)?.modelFile;
        send({ type: 'revealLayer', runId: run, layerId }, `Layer ${layerId}${file ? ` in ${file}` : ''}`);
      },
      exportPruned: (p) =>
        send({ type: 'exportPruned', runId: runId(), criterion: p.criterion, target: p.target, seed: p.seed },
          `Pruned model: criterion ${p.criterion}, target ${p.target}, seed ${p.seed}. Export it from VS Code (Dynaxx dashboard).`),
      exportSubnetwork: (s) =>
        send({ type: 'exportSubnetwork', runId: runId(), subnetwork: s }, `Subnetwork S${s}. Export it from VS Code (Dynaxx dashboard).`),
    };
  }

  /** A short message at the bottom (standalone report: what a click would have done). */
  private say(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => (this.notice.hidden = true), 6000);
  }
}

function embeddedData(): DashboardData | undefined {
  const text = document.getElementById('dashboard-data')?.textContent?.trim();
  if (!text) return undefined;
  try {
    // the run files write non-finite numbers (a diverged loss) as "NaN" / "Infinity" / "-Infinity": numbers again here
    return JSON.parse(text, (_k, v: unknown) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as DashboardData;
  } catch (e) {
    reportError(`dashboard data is not valid JSON: ${String(e)}`);
    return undefined;
  }
}

function reportError(message: string): void {
  console.error(message);
  post({ type: 'error', message });
}

window.addEventListener('error', (e) => reportError(`dashboard: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => reportError(`dashboard: ${String(e.reason)}`));

const root = document.getElementById('app') ?? document.body;
const dashboard = new Dashboard(root, embeddedData());
window.addEventListener('message', (e: MessageEvent) => dashboard.receive(e.data));
post({ type: 'ready' });
