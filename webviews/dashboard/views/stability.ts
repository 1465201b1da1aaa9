/**
 * Stability: the layers × steps heatmap of one per-layer statistic (gradient norm, update norm, activation variance
 * or spectral norm: those the run recorded), the run's alerts beside it. A click on a heatmap row or on an alert that
 * names a layer reveals that layer in the model file. Live rows are appended to typed arrays the heatmap reads by
 * reference; live alerts are prepended to the list without rebuilding it.
 */
import { moreLayers } from '../../../protocol/run-records';
import type { Alert, LayerStats } from '../../../protocol/trainer';
import type { DashboardData, RunSeries, WebviewState } from '../../../protocol/webview';
import { num } from '../format';
import type { Change } from '../store';
import type { Theme } from '../theme';
import { Heatmap } from './heatmap';
import { el, option, type View, type ViewContext } from './view';

type Metric = WebviewState['stabilityMetric'];

const METRICS: Array<{ key: Metric; label: string }> = [
  { key: 'gradNorm', label: 'Gradient norm' },
  { key: 'updateNorm', label: 'Update norm' },
  { key: 'activationVar', label: 'Activation variance' },
  { key: 'spectralNorm', label: 'Spectral norm' },
];

const MAX_ALERTS_SHOWN = 500;

/** A run's layer statistics as typed arrays, appended as rows arrive. */
interface RunStats {
  runId: string;
  layers: string[];
  index: Map<string, number>;
  steps: number[];
  values: Record<Metric, Float32Array[]>;
  present: Set<Metric>;
  consumed: number;
}

export class StabilityView implements View {
  readonly id = 'stability';
  readonly title = 'Stability';
  readonly element = el('div', 'view stability');
  active = false;

  private readonly heatmap: Heatmap;
  private readonly metricSelect = document.createElement('vscode-single-select');
  private readonly runSelect = document.createElement('vscode-single-select');
  private readonly alertTitle = el('h3', 'section-title');
  private readonly alertList = el('ul', 'alert-list');
  private data: DashboardData | undefined;
  private stats: RunStats | undefined;
  private runId: string | undefined;
  private alertsShown = 0;
  private metricKey = '';
  private runKey = '';

  constructor(private readonly ctx: ViewContext) {
    this.heatmap = new Heatmap(() => ctx.invalidate(this));
    this.heatmap.onRowClick = (layerId) => this.runId && ctx.actions.revealLayer(this.runId, layerId);
    this.metricSelect.addEventListener('change', () => {
      ctx.state.update({ stabilityMetric: this.metricSelect.value as Metric });
      this.metricKey = '';
      ctx.invalidate(this);
    });
    this.runSelect.addEventListener('change', () => {
      this.runId = this.runSelect.value;
      this.stats = undefined;
      ctx.invalidate(this);
    });
    const toolbar = el('div', 'toolbar',
      el('label', 'control', 'Statistic ', this.metricSelect),
      el('label', 'control run-select', 'Run ', this.runSelect),
      el('span', 'legend-label', 'log scale'), this.heatmap.legend);
    const main = el('div', 'stability-main', el('div', 'heatmap-scroll', this.heatmap.element));
    const side = el('aside', 'alerts', this.alertTitle, this.alertList);
    this.element.append(toolbar, el('div', 'split', main, side));
  }

  available(data: DashboardData): boolean {
    return data.runs.some((r) => r.layerStats.length > 0 || r.alerts.length > 0);
  }

  visible(): boolean {
    return this.active;
  }

  update(data: DashboardData, change: Change): void {
    this.data = data;
    if (change.kind === 'all') {
      this.stats = undefined;
      this.runId = undefined;
    }
    if (change.kind === 'all' || change.kind === 'layerStats' || change.kind === 'alert') this.ctx.invalidate(this);
  }

  themeChanged(_theme: Theme): void {
    this.ctx.invalidate(this);
  }

  render(): void {
    const data = this.data;
    if (!data) return;
    const runs = data.runs.filter((r) => r.layerStats.length > 0 || r.alerts.length > 0);
    if (!this.runId || !runs.some((r) => r.runId === this.runId)) this.runId = runs[0]?.runId;
    const run = runs.find((r) => r.runId === this.runId);
    if (!run) return;
    this.renderRunSelect(runs);
    if (!this.stats || this.stats.runId !== run.runId) {
      this.stats = emptyStats(run);
      this.metricKey = '';
      this.alertsShown = 0;
      this.alertList.replaceChildren();
    }
    if (!ingest(this.stats, run.layerStats)) {
      // a layer appeared mid-run: take everything again with the new row order
      this.stats = emptyStats(run);
      ingest(this.stats, run.layerStats);
      this.metricKey = '';
    }
    this.renderMetricSelect();
    this.heatmap.marks = run.alerts;
    this.heatmap.render(this.ctx.theme());
    this.renderAlerts(run);
  }

  private renderRunSelect(runs: RunSeries[]): void {
    const key = runs.map((r) => `${r.runId}:${r.name}`).join('|');
    (this.runSelect.parentElement as HTMLElement).hidden = runs.length < 2;
    if (key === this.runKey) return;
    this.runKey = key;
    this.runSelect.replaceChildren(...runs.map((r) => option(r.runId, r.name, r.runId === this.runId)));
  }

  /** The metric choices are those present; switching hands the heatmap the other arrays. */
  private renderMetricSelect(): void {
    const stats = this.stats!;
    const present = METRICS.filter((m) => stats.present.has(m.key));
    let metric = this.ctx.state.get().stabilityMetric;
    if (!stats.present.has(metric) && present.length > 0) metric = present[0].key;
    const key = `${present.map((m) => m.key).join()}|${metric}|${stats.layers.length}`;
    if (key === this.metricKey) return;
    this.metricKey = key;
    this.metricSelect.replaceChildren(...present.map((m) => option(m.key, m.label, m.key === metric)));
    this.heatmap.setSource({ layers: stats.layers, steps: stats.steps, values: stats.values[metric] });
  }

  private renderAlerts(run: RunSeries): void {
    const alerts = run.alerts;
    this.alertTitle.textContent = alerts.length === 0 ? 'No alerts' : `Alerts (${alerts.length})`;
    if (alerts.length === this.alertsShown) return;
    const fresh = alerts.slice(this.alertsShown).reverse().map((a) => this.alertItem(run.runId, a));
    this.alertList.prepend(...fresh);
    this.alertsShown = alerts.length;
    while (this.alertList.childElementCount > MAX_ALERTS_SHOWN) this.alertList.lastElementChild!.remove();
  }

  private alertItem(runId: string, a: Alert): HTMLElement {
    const head = el('div', 'alert-head',
      el('span', `severity severity-${a.severity}`, a.severity === 'error' ? '✕' : '!'),
      el('span', 'alert-kind', a.kind),
      el('span', 'alert-step', `step ${a.step}`));
    if (a.value !== undefined) head.append(el('span', 'alert-value', a.threshold !== undefined ? `${num(a.value)} > ${num(a.threshold)}` : num(a.value)));
    const item = el('li', `alert alert-${a.severity}`, head);
    if (a.layerId !== undefined) {
      const layerId = a.layerId;
      const link = el('button', 'link', layerId);
      link.title = 'Reveal the layer in the model file';
      link.addEventListener('click', () => this.ctx.actions.revealLayer(runId, layerId));
      head.append(link);
    }
    if (a.others?.length) head.append(el('span', 'alert-more', moreLayers(a).trim()));
    item.append(el('div', 'alert-message', a.message));
    return item;
  }
}

function emptyStats(run: RunSeries): RunStats {
  const layers: string[] = [];
  const index = new Map<string, number>();
  for (const row of run.layerStats) {
    for (const l of row.layers) {
      if (!index.has(l.layerId)) {
        index.set(l.layerId, layers.length);
        layers.push(l.layerId);
      }
    }
  }
  return { runId: run.runId, layers, index, steps: [], values: { gradNorm: [], updateNorm: [], activationVar: [], spectralNorm: [] }, present: new Set(), consumed: 0 };
}

/** Appends the new rows; false when one names a layer the row order lacks. */
function ingest(stats: RunStats, rows: Array<{ step: number; layers: LayerStats[] }>): boolean {
  const n = stats.layers.length;
  for (let i = stats.consumed; i < rows.length; i++) {
    const row = rows[i];
    const arrays = {} as Record<Metric, Float32Array>;
    for (const m of METRICS) arrays[m.key] = new Float32Array(n).fill(NaN);
    for (const l of row.layers) {
      const r = stats.index.get(l.layerId);
      if (r === undefined) return false;
      for (const m of METRICS) {
        const v = l[m.key];
        if (typeof v === 'number') {
          arrays[m.key][r] = v;
          stats.present.add(m.key);
        }
      }
    }
    stats.steps.push(row.step);
    for (const m of METRICS) stats.values[m.key].push(arrays[m.key]);
    stats.consumed = i + 1;
  }
  return true;
}
