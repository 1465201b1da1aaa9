/**
 * Sweep (issue 17): a sweep's results, drawn from `DashboardData.sweep` (trainer/sweep/summary.ts builds it); its runs
 * are the dashboard's runs, overlaid in the training view. The metric against every non-seed axis (one point per run,
 * the mean per value joined; a log axis when a numeric axis spans more than a decade, categories in file order), a
 * prune sweep's Pareto points of every run with the front across runs, the metric per axis value and per configuration
 * (mean ± sample std, diverged and failed points counted, never averaged), and every point, sortable by any column.
 */
import type { ChartDataset, ChartOptions } from 'chart.js';
import type { AxisValue, MetricStats, SweepParetoPoint, SweepRow, SweepView as SweepData } from '../../../protocol/sweep';
import type { DashboardData } from '../../../protocol/webview';
import { num, pct } from '../format';
import { withAlpha, type Theme } from '../theme';
import { axis, baseOptions, Chart, tickLabel } from './charts';
import { ReportView } from './report-view';
import { el, type ViewContext } from './view';

interface XY { x: number; y: number; row?: SweepRow; p?: SweepParetoPoint }
type ScatterSet = ChartDataset<'scatter', XY[]>;
type SortKey = { column: number; descending: boolean };

export class SweepView extends ReportView<SweepData> {
  readonly id = 'sweep';
  readonly title = 'Sweep';
  readonly element = el('div', 'view sweep');

  private readonly facts = el('div', 'summary');
  private readonly grid = el('div', 'chart-grid');
  private readonly tables = el('div', 'view');
  private sort: SortKey = { column: 0, descending: false };

  constructor(ctx: ViewContext) {
    super(ctx);
    this.element.append(this.facts, this.grid, this.tables);
  }

  available(data: DashboardData): boolean {
    return (data.sweep?.rows.length ?? 0) > 0;
  }

  protected pick(data: DashboardData): SweepData | undefined {
    return data.sweep;
  }

  protected draw(s: SweepData, theme: Theme): void {
    this.grid.replaceChildren();
    this.renderFacts(s);
    const free = s.axes.map((a, i) => ({ ...a, i })).filter((a) => !a.seed);
    if (free.length === 0) this.charts.push(this.axisChart(s, theme, -1));
    for (const a of free) this.charts.push(this.axisChart(s, theme, a.i));
    if (s.pareto && s.pareto.length > 0) this.charts.push(this.paretoChart(s.pareto, theme));
    this.tables.replaceChildren(
      ...(s.perAxis.length > 0 ? [section(`${s.metric.name} per axis value`, perAxisTable(s))] : []),
      ...(free.length > 0 ? [section(`Configurations, best first${seedNote(s)}`, configurationsTable(s))] : []),
      section('Points', this.pointsTable(s)),
    );
  }

  private renderFacts(s: SweepData): void {
    const c = s.counts;
    const counted = [`${c.ok} with a metric`, ...(['diverged', 'failed', 'cancelled', 'pending'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k === 'pending' ? 'not finished' : k}`)];
    const facts: Array<[string, string]> = [
      ['sweep', `${s.name} (${s.id})`], ['command', s.command], ['metric', `${s.metric.name}, ${s.metric.goal === 'max' ? 'higher' : 'lower'} is better`],
      ['points', `${s.rows.length}: ${counted.join(', ')}`], ['status', s.status], ['executor', s.executor],
    ];
    const items = facts.map(([k, v]) => fact(k, v));
    if (s.missingRuns.length > 0) {
      const f = fact('not on this machine', `${s.missingRuns.length} run${s.missingRuns.length === 1 ? '' : 's'} (not overlaid)`);
      f.title = s.missingRuns.join('\n');
      items.push(f);
    }
    items.push(el('span', 'fact hint', el('span', 'fact-value', 'diverged and failed points are counted, never averaged; the runs are overlaid in the Training tab')));
    this.facts.replaceChildren(...items);
  }

  private box(tall = false): HTMLCanvasElement {
    const canvas = el('canvas');
    this.grid.append(el('div', tall ? 'chart-box tall' : 'chart-box', canvas));
    return canvas;
  }

  /** The metric against one axis (`i` < 0: against the point's index), one dot per run, the mean per value joined. */
  private axisChart(s: SweepData, theme: Theme, i: number): Chart {
    const ax = s.axes[i];
    const rows = s.rows.filter((r) => r.metric !== undefined);
    const raw = rows.map((r) => (i < 0 ? r.point : r.values[i] ?? null));
    const numeric = i < 0 || s.rows.every((r) => typeof r.values[i] === 'number');
    const categories = numeric ? [] : [...new Set(s.rows.map((r) => key(r.values[i] ?? null)))];
    const xOf = (v: AxisValue): number => (numeric ? Number(v) : categories.indexOf(key(v)));
    const xs = raw.map(xOf);
    const positive = xs.length > 0 && xs.every((x) => x > 0);
    const log = numeric && positive && Math.max(...xs) / Math.min(...xs) > 10;
    const dots: XY[] = rows.map((row, j) => ({ x: xs[j]!, y: row.metric!, row }));
    const byX = new Map<number, number[]>();
    for (const d of dots) byX.set(d.x, [...(byX.get(d.x) ?? []), d.y]);
    const means = [...byX].map(([x, ys]) => ({ x, y: ys.reduce((a, b) => a + b, 0) / ys.length })).sort((a, b) => a.x - b.x);
    const [dot, line] = [theme.palette[0]!, theme.palette[1]!];
    const datasets: ScatterSet[] = [
      { label: 'run', data: dots, borderColor: dot, backgroundColor: withAlpha(dot, 0.55), pointRadius: 4, pointHoverRadius: 6 },
    ];
    if (i >= 0) datasets.push({ label: 'mean', data: means, showLine: true, borderColor: line, backgroundColor: line, borderWidth: 2, pointRadius: 3, pointStyle: 'rectRot', pointHoverRadius: 5 });
    const name = i < 0 ? 'point' : ax!.name;
    const options = baseOptions(theme, `${s.metric.name} vs ${name}`) as unknown as ChartOptions<'scatter'>;
    options.interaction = { mode: 'nearest', intersect: true };
    const pad = numeric ? {} : { min: -0.5, max: categories.length - 0.5 };
    options.scales = {
      x: {
        ...axis(theme, i < 0 ? 'point' : ax!.key, log ? 'logarithmic' : 'linear'), ...pad,
        // categories: one tick per value, at its index (chart.js would put them at the half steps from -0.5)
        ...(numeric ? {} : { afterBuildTicks: (scale: { ticks: Array<{ value: number }> }) => { scale.ticks = categories.map((_, k) => ({ value: k })); } }),
        ticks: numeric ? { color: theme.muted, maxTicksLimit: 8, callback: tickLabel } : { color: theme.muted, autoSkip: false, callback: (v: number | string) => label(categories[Number(v)]) },
      },
      y: { ...axis(theme, s.metric.name), ticks: { color: theme.muted, callback: (v: number | string) => num(Number(v)) } },
    } as ChartOptions<'scatter'>['scales'];
    options.plugins!.legend!.labels = { ...options.plugins!.legend!.labels, boxHeight: 8, usePointStyle: true };
    options.plugins!.tooltip!.callbacks = {
      title: (items) => {
        const row = (items[0]?.raw as XY | undefined)?.row;
        return row ? `point ${row.point}` : `mean at ${name} = ${numeric ? num(items[0]?.parsed.x ?? NaN) : categories[items[0]?.parsed.x ?? -1] ?? ''}`;
      },
      label: (item) => {
        const row = (item.raw as XY).row;
        if (!row) return `${s.metric.name} ${num(item.parsed.y ?? NaN)}`;
        return [`${s.metric.name} ${num(row.metric!)}`, ...s.axes.map((a, k) => `${a.name} = ${show(row.values[k] ?? null)}`), ...(row.runId ? [`run ${row.runId}`] : [])];
      },
    };
    return new Chart(this.box(), { type: 'scatter', data: { datasets }, options });
  }

  /** Accuracy against FLOP reduction: every run's Pareto points by criterion, the front across all runs joined. */
  private paretoChart(points: SweepParetoPoint[], theme: Theme): Chart {
    const criteria = [...new Set(points.map((p) => p.criterion))];
    const datasets: ScatterSet[] = criteria.map((c, i) => {
      const color = theme.palette[i % theme.palette.length]!;
      return {
        label: c, data: points.filter((p) => p.criterion === c).map((p) => ({ x: p.flopReduction, y: p.accuracy, p })),
        borderColor: color, backgroundColor: withAlpha(color, 0.45), pointRadius: 3.5, pointHoverRadius: 6,
      };
    });
    const front = points.filter((p) => p.front).sort((a, b) => a.flopReduction - b.flopReduction || b.accuracy - a.accuracy);
    datasets.unshift({
      label: 'front across runs', data: front.map((p) => ({ x: p.flopReduction, y: p.accuracy, p })), showLine: true,
      borderColor: theme.foreground, backgroundColor: theme.foreground, borderWidth: 2, pointRadius: 5, pointStyle: 'rectRot', pointHoverRadius: 7,
    });
    const options = baseOptions(theme, 'Pareto front across runs: accuracy vs FLOP reduction') as unknown as ChartOptions<'scatter'>;
    options.interaction = { mode: 'nearest', intersect: true };
    options.scales = {
      x: { ...axis(theme, 'FLOP reduction'), ticks: { color: theme.muted, callback: (v: number | string) => pct(Number(v), 0) } },
      y: { ...axis(theme, 'accuracy'), ticks: { color: theme.muted, callback: (v: number | string) => pct(Number(v), 1) } },
    } as ChartOptions<'scatter'>['scales'];
    options.plugins!.legend!.labels = { ...options.plugins!.legend!.labels, boxHeight: 8, usePointStyle: true };
    options.plugins!.tooltip!.callbacks = {
      title: (items) => {
        const p = (items[0]?.raw as XY | undefined)?.p;
        return p ? `point ${p.point} · ${p.criterion} · target ${num(p.target)}` : '';
      },
      label: (item) => {
        const p = (item.raw as XY).p!;
        return [`accuracy ${pct(p.accuracy, 2)}`, `FLOP reduction ${pct(p.flopReduction, 1)}`, ...(p.front ? ['on the front'] : []), ...(p.runId ? [`run ${p.runId}`] : [])];
      },
    };
    return new Chart(this.box(true), { type: 'scatter', data: { datasets }, options });
  }

  /** Every point; a click on a column's header sorts by it (again: the other way). */
  private pointsTable(s: SweepData): HTMLElement {
    const missing = new Set(s.missingRuns);
    const columns: Array<{ title: string; num?: boolean; value: (r: SweepRow) => AxisValue | undefined; text?: (r: SweepRow) => string }> = [
      { title: 'point', num: true, value: (r) => r.point },
      ...s.axes.map((a, i) => ({ title: a.name, value: (r: SweepRow) => r.values[i] ?? null, text: (r: SweepRow) => show(r.values[i] ?? null) })),
      { title: 'status', value: (r) => r.status },
      { title: s.metric.name, num: true, value: (r) => r.metric, text: (r) => (r.metric === undefined ? (r.outcome === 'diverged' ? 'diverged' : '–') : num(r.metric)) },
      { title: 'averaged', value: (r) => r.outcome, text: (r) => (r.outcome === 'ok' ? 'yes' : `no: ${r.outcome === 'pending' ? 'not finished' : r.outcome}`) },
      { title: 'worker', value: (r) => r.worker },
      { title: 'attempts', num: true, value: (r) => r.attempts },
      { title: 'run', value: (r) => r.runId, text: (r) => (r.runId ? `${r.runId}${missing.has(r.runId) ? ' (not on this machine)' : ''}` : '') },
      { title: 'error', value: (r) => r.error },
    ];
    const table = el('table', 'data-table static sweep-points');
    const render = () => {
      const { column, descending } = this.sort;
      const col = columns[column] ?? columns[0]!;
      const rows = [...s.rows].sort((a, b) => compare(col.value(a), col.value(b), descending) || a.point - b.point);
      const head = el('tr', '', ...columns.map((c, i) => {
        const h = el('th', c.num ? 'num' : '', c.title + (i === column ? (descending ? ' ▼' : ' ▲') : ''));
        h.title = 'sort by this column';
        h.style.cursor = 'pointer';
        h.addEventListener('click', () => {
          this.sort = { column: i, descending: this.sort.column === i ? !this.sort.descending : false };
          render();
        });
        return h;
      }));
      const body = rows.map((r) => {
        const tr = el('tr', r.outcome === 'ok' ? '' : 'dropped', ...columns.map((c) => el('td', c.num ? 'num' : '', c.text ? c.text(r) : String(c.value(r) ?? ''))));
        if (r.error) tr.title = r.error;
        return tr;
      });
      table.replaceChildren(el('thead', '', head), el('tbody', '', ...body));
    };
    render();
    return el('div', 'table-scroll', table);
  }
}

function perAxisTable(s: SweepData): HTMLElement {
  const rows = s.perAxis.flatMap((a) => a.values.map((v, j) => el('tr', v.best ? 'selected' : '',
    el('td', '', j === 0 ? a.name : ''), el('td', '', show(v.value)), ...statCells(v), el('td', '', v.best ? '★ best' : ''))));
  return el('div', 'table-scroll', el('table', 'data-table static sweep-axes', el('thead', '', el('tr', '', th('axis'), th('value'), ...statHeads(s), th(''))), el('tbody', '', ...rows)));
}

function configurationsTable(s: SweepData): HTMLElement {
  const free = s.axes.filter((a) => !a.seed);
  const rows = s.configurations.map((c, i) => el('tr', c.best ? 'selected' : '',
    el('td', 'num', String(i + 1)), ...c.values.map((v) => el('td', '', show(v))), ...statCells(c), el('td', '', c.best ? '★ best' : '')));
  return el('div', 'table-scroll', el('table', 'data-table static sweep-configurations',
    el('thead', '', el('tr', '', th('rank', 'num'), ...free.map((a) => th(a.name)), ...statHeads(s), th(''))), el('tbody', '', ...rows)));
}

function statHeads(s: SweepData): HTMLElement[] {
  return [th(`${s.metric.name} mean ± std`, 'num'), th('n', 'num'), th('diverged', 'num'), th('failed', 'num')];
}

function statCells(m: MetricStats): HTMLElement[] {
  const text = m.mean === undefined ? '–' : m.std === undefined ? num(m.mean) : `${num(m.mean)} ± ${num(m.std)}`;
  return [el('td', 'num', text), el('td', 'num', String(m.n)), el('td', 'num', String(m.diverged)), el('td', 'num', String(m.failed))];
}

function seedNote(s: SweepData): string {
  const seeds = s.axes.filter((a) => a.seed).map((a) => a.name);
  return seeds.length > 0 ? ` (mean ± sample std over ${seeds.join(', ')})` : '';
}

function section(title: string, body: HTMLElement): HTMLElement {
  return el('section', '', el('h3', 'section-title', title), body);
}

function fact(k: string, v: string): HTMLElement {
  return el('span', 'fact', el('span', 'fact-key', k), el('span', 'fact-value', v));
}

function th(text: string, cls = ''): HTMLElement {
  return el('th', cls, text);
}

function show(v: AxisValue): string {
  return v === null ? '–' : typeof v === 'number' ? num(v) : String(v);
}

/** A category's tick: the value as the tables show it. */
function label(k: string | undefined): string {
  return k === undefined ? '' : show(JSON.parse(k) as AxisValue);
}

function key(v: AxisValue): string {
  return JSON.stringify(v);
}

/** Numbers by value, the rest as text; missing last either way. */
function compare(a: AxisValue | undefined, b: AxisValue | undefined, descending: boolean): number {
  const missing = (v: unknown) => v === undefined || v === null || v === '';
  if (missing(a) || missing(b)) return (missing(a) ? 1 : 0) - (missing(b) ? 1 : 0);
  const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true });
  return descending ? -c : c;
}
