/**
 * Training: loss, accuracy, learning rate and throughput against the step, train and validation, every run overlaid
 * (one color per run; validation dashed); routed (dna, moe) runs add their FLOPs share and capacity drops. Smoothing is TensorBoard's debiased EMA of the train series, the raw series
 * kept faint behind it; the log switch applies to loss, learning rate and throughput. Live records are appended:
 * each series keeps its points and EMA state, so a redraw adds what is new and lets chart.js decimate (LTTB).
 */
import type { Chart as ChartType, ChartDataset } from 'chart.js';
import type { DashboardData, RunSeries } from '../../../protocol/webview';
import { num, pct } from '../format';
import type { Change } from '../store';
import { withAlpha, type Theme } from '../theme';
import { axis, baseOptions, Chart, themeCharts, tickLabel } from './charts';
import { el, type View, type ViewContext } from './view';

interface Point { x: number; y: number }

interface MetricSpec { key: string; title: string; axis: string; log: boolean; percent?: boolean }

const METRICS: MetricSpec[] = [
  { key: 'loss', title: 'Loss', axis: 'loss', log: true },
  { key: 'accuracy', title: 'Accuracy', axis: 'accuracy', log: false, percent: true },
  { key: 'lr', title: 'Learning rate', axis: 'learning rate', log: true },
  { key: 'samplesPerSec', title: 'Throughput', axis: 'samples / s', log: true },
  // routed (dna, moe) runs only: a panel appears when its metric does
  { key: 'flopsShare', title: 'FLOPs per sample (share of the static bound)', axis: 'share', log: false, percent: true },
  { key: 'droppedShare', title: 'Routing choices dropped by capacity', axis: 'share', log: false, percent: true },
];

const SPLITS = ['train', 'validation'] as const;
type Split = (typeof SPLITS)[number];

/** One line: a metric of one split of one run, with its smoothed copy. */
interface Series {
  runId: string;
  runIndex: number;
  split: Split;
  raw: Point[];
  smooth: Point[];
  ema: number;
  count: number;
  rawSet?: LineSet;
  mainSet: LineSet;
}

type LineSet = ChartDataset<'line', Point[]> & { isRaw?: boolean };

interface Panel { spec: MetricSpec; box: HTMLElement; chart?: ChartType<'line', Point[]>; series: Series[]; dirty: boolean }

export class TrainingView implements View {
  readonly id = 'training';
  readonly title = 'Training';
  readonly element = el('div', 'view training');
  active = false;

  private readonly runList = el('div', 'run-list');
  private readonly grid = el('div', 'chart-grid');
  private readonly panels: Panel[];
  /** Records of each run already turned into points. */
  private consumed = new Map<string, number>();
  private data: DashboardData | undefined;
  private rebuild = true;
  private restyle = false;

  constructor(private readonly ctx: ViewContext) {
    const state = ctx.state.get();
    const smoothing = el('input', 'slider');
    smoothing.type = 'range';
    smoothing.min = '0';
    smoothing.max = '0.99';
    smoothing.step = '0.01';
    smoothing.value = String(state.smoothing);
    const smoothingValue = el('span', 'slider-value', state.smoothing.toFixed(2));
    smoothing.addEventListener('input', () => {
      const v = Number(smoothing.value);
      smoothingValue.textContent = v.toFixed(2);
      ctx.state.update({ smoothing: v });
      this.resmooth();
    });
    const log = document.createElement('vscode-checkbox');
    log.toggle = true;
    log.checked = state.logScale;
    log.label = 'Log scale (loss, learning rate, throughput)';
    log.addEventListener('change', () => {
      ctx.state.update({ logScale: log.checked });
      this.restyle = true;
      for (const p of this.panels) p.dirty = true;
      ctx.invalidate(this);
    });
    const smoothLabel = el('label', 'control', 'Smoothing ', smoothing, smoothingValue);
    this.element.append(el('div', 'toolbar', smoothLabel, log, this.runList), this.grid);
    this.panels = METRICS.map((spec) => ({ spec, box: el('div', 'chart-box'), series: [], dirty: false }));
  }

  available(data: DashboardData): boolean {
    return data.runs.some((r) => r.metrics.length > 0);
  }

  visible(): boolean {
    return this.active;
  }

  update(data: DashboardData, change: Change): void {
    this.data = data;
    if (change.kind === 'all') this.rebuild = true;
    if (change.kind === 'all' || change.kind === 'metrics' || change.kind === 'status') this.ctx.invalidate(this);
  }

  themeChanged(theme: Theme): void {
    themeCharts(theme, this.panels.flatMap((p) => (p.chart ? [p.chart] : [])));
    this.restyle = true;
    for (const p of this.panels) p.dirty = true;
    this.ctx.invalidate(this);
  }

  render(): void {
    const data = this.data;
    if (!data) return;
    if (this.rebuild) this.reset();
    data.runs.forEach((run, i) => this.consume(run, i));
    this.renderRunList(data.runs);
    const theme = this.ctx.theme();
    for (const panel of this.panels) {
      if (panel.series.length === 0) continue;
      if (!panel.chart) this.createChart(panel, theme);
      if (!panel.dirty && !this.restyle) continue;
      panel.dirty = false;
      this.syncChart(panel, theme);
    }
    this.restyle = false;
  }

  private reset(): void {
    this.rebuild = false;
    for (const p of this.panels) {
      p.chart?.destroy();
      p.chart = undefined;
      p.series = [];
      p.box.remove();
    }
    this.consumed.clear();
  }

  /** Turns the run's new records into points (and smoothed points). */
  private consume(run: RunSeries, runIndex: number): void {
    const from = this.consumed.get(run.runId) ?? 0;
    if (from >= run.metrics.length) return;
    const w = this.ctx.state.get().smoothing;
    for (let i = from; i < run.metrics.length; i++) {
      const rec = run.metrics[i];
      if (rec.split !== 'train' && rec.split !== 'validation') continue;
      for (const panel of this.panels) {
        const y = rec[panel.spec.key];
        if (typeof y !== 'number' || !Number.isFinite(y)) continue;
        const s = this.series(panel, run, runIndex, rec.split);
        s.raw.push({ x: rec.step, y });
        pushSmoothed(s, rec.step, y, w);
        panel.dirty = true;
      }
    }
    this.consumed.set(run.runId, run.metrics.length);
  }

  private series(panel: Panel, run: RunSeries, runIndex: number, split: Split): Series {
    let s = panel.series.find((x) => x.runId === run.runId && x.split === split);
    if (s) return s;
    const mainSet: LineSet = { label: `${run.name} · ${split}`, data: [], order: runIndex * 2 };
    const rawSet: LineSet | undefined = split === 'train' ? { label: `${run.name} · ${split} (raw)`, data: [], isRaw: true, order: runIndex * 2 + 1 } : undefined;
    s = { runId: run.runId, runIndex, split, raw: [], smooth: [], ema: 0, count: 0, mainSet, rawSet };
    panel.series.push(s);
    if (panel.chart) {
      panel.chart.data.datasets.push(mainSet);
      if (rawSet) panel.chart.data.datasets.push(rawSet);
    }
    return s;
  }

  private resmooth(): void {
    const w = this.ctx.state.get().smoothing;
    for (const panel of this.panels) {
      for (const s of panel.series) {
        s.smooth = [];
        s.ema = 0;
        s.count = 0;
        for (const p of s.raw) pushSmoothed(s, p.x, p.y, w);
      }
      panel.dirty = true;
    }
    this.ctx.invalidate(this);
  }

  private createChart(panel: Panel, theme: Theme): void {
    const canvas = el('canvas');
    panel.box.replaceChildren(canvas);
    // keep the metrics' order whatever arrived first
    const next = this.panels.slice(this.panels.indexOf(panel) + 1).find((p) => p.box.isConnected);
    this.grid.insertBefore(panel.box, next?.box ?? null);
    const spec = panel.spec;
    const options = baseOptions(theme, spec.title);
    options.scales = { x: axis(theme, 'step'), y: axis(theme, spec.axis) };
    options.plugins!.decimation = { enabled: true, algorithm: 'lttb', samples: 500, threshold: 1000 };
    options.plugins!.legend!.labels!.filter = (item, chartData) => !(chartData.datasets[item.datasetIndex!] as LineSet).isRaw;
    options.plugins!.tooltip!.filter = (item) => !(item.dataset as LineSet).isRaw;
    options.plugins!.tooltip!.callbacks = {
      title: (items) => (items.length > 0 ? `step ${items[0].parsed.x}` : ''),
      label: (item) => `${item.dataset.label}: ${spec.percent ? pct(item.parsed.y ?? NaN, 2) : num(item.parsed.y ?? NaN)}`,
    };
    const datasets = panel.series.flatMap((s) => (s.rawSet ? [s.mainSet, s.rawSet] : [s.mainSet]));
    panel.chart = new Chart(canvas, { type: 'line', data: { datasets }, options }) as ChartType<'line', Point[]>;
  }

  /** Points, colors and scale of one chart, then one redraw without animation. */
  private syncChart(panel: Panel, theme: Theme): void {
    const chart = panel.chart!;
    const w = this.ctx.state.get().smoothing;
    for (const s of panel.series) {
      const color = theme.palette[s.runIndex % theme.palette.length];
      const validation = s.split === 'validation';
      Object.assign(s.mainSet, {
        data: validation || w === 0 ? s.raw : s.smooth,
        borderColor: color,
        backgroundColor: color,
        borderWidth: validation ? 1.5 : 2,
        borderDash: validation ? [6, 4] : [],
        pointRadius: validation && s.raw.length < 60 ? 2.5 : 0,
        pointHoverRadius: 4,
        tension: 0,
      });
      if (s.rawSet) Object.assign(s.rawSet, { data: s.raw, hidden: w === 0, borderColor: withAlpha(color, 0.22), borderWidth: 1, pointRadius: 0, pointHoverRadius: 0 });
    }
    const log = panel.spec.log && this.ctx.state.get().logScale;
    const y = chart.options.scales!.y!;
    if ((y.type === 'logarithmic') !== log) chart.options.scales!.y = { ...axis(theme, log ? `${panel.spec.axis} (log)` : panel.spec.axis, log ? 'logarithmic' : 'linear') };
    (chart.options.scales!.y as { ticks: { callback?: unknown } }).ticks.callback = panel.spec.percent ? (v: number | string) => pct(Number(v), 0) : tickLabel;
    // not 'none': that mode keeps the points' shared options from the first draw (chart.js), and without animation
    // the default mode costs the same
    chart.update();
  }

  private renderRunList(runs: RunSeries[]): void {
    const theme = this.ctx.theme();
    const key = runs.map((r) => `${r.name}|${r.status}`).join(';') + theme.palette.join();
    if (this.runList.dataset.key === key) return;
    this.runList.dataset.key = key;
    this.runList.replaceChildren(
      ...runs.filter((r) => r.metrics.length > 0).map((r) => {
        const swatch = el('span', 'swatch');
        swatch.style.background = theme.palette[runs.indexOf(r) % theme.palette.length];
        return el('span', 'run-chip', swatch, r.name, el('span', `status status-${r.status}`, r.status));
      }),
    );
  }
}

/** TensorBoard's smoothing: an EMA debiased by its weight so far (the first points are not pulled toward 0). */
function pushSmoothed(s: Series, x: number, y: number, w: number): void {
  s.ema = s.ema * w + (1 - w) * y;
  s.count++;
  const debias = w === 0 ? 1 : 1 - Math.pow(w, s.count);
  s.smooth.push({ x, y: s.ema / debias });
}
