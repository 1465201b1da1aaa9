/**
 * Pruning: the Pareto curves of every criterion, accuracy against FLOPs and against measured latency, the dense model
 * marked; hover shows the configuration, a click exports that pruned model. Routing: the routed system's accuracy
 * against its expected cost (× the full model), the full and pruned experts' accuracies as references, the operating
 * point chosen on the selection split marked. Every accuracy is on the report split; the summary names both splits.
 */
import type { ChartDataset, ChartOptions, TooltipItem } from 'chart.js';
import type { DashboardData, ParetoData, RoutingData } from '../../../protocol/webview';
import { num, pct, si } from '../format';
import { withAlpha, type Theme } from '../theme';
import { axis, baseOptions, Chart } from './charts';
import { ReportView } from './report-view';
import { el, type ViewContext } from './view';

type ParetoPoint = ParetoData['points'][number];
type RoutingPoint = RoutingData['points'][number];
interface XY<T> { x: number; y: number; p?: T }
type ScatterSet<T> = ChartDataset<'scatter', Array<XY<T>>>;

type Reports = Pick<DashboardData, 'pareto' | 'routing'>;

export class PruningView extends ReportView<Reports> {
  readonly id = 'pruning';
  readonly title = 'Pruning';
  readonly element = el('div', 'view pruning');

  private readonly settings = el('div', 'summary');
  private readonly grid = el('div', 'chart-grid');

  constructor(ctx: ViewContext) {
    super(ctx);
    this.element.append(this.settings, this.grid);
  }

  available(data: DashboardData): boolean {
    return (data.pareto?.points.length ?? 0) > 0 || (data.routing?.points.length ?? 0) > 0;
  }

  /** A new object each time: the store updates its data in place, and new reports must redraw. */
  protected pick(data: DashboardData): Reports {
    return { pareto: data.pareto, routing: data.routing };
  }

  protected draw({ pareto, routing }: Reports, theme: Theme): void {
    this.grid.replaceChildren();
    this.renderSettings(pareto, routing);
    if (pareto && pareto.points.length > 0) {
      this.charts.push(this.paretoChart(pareto, theme, 'flops'));
      if (pareto.points.some((p) => p.latencyMs > 0)) this.charts.push(this.paretoChart(pareto, theme, 'latency'));
    }
    if (routing && routing.points.length > 0) this.charts.push(this.routingChart(routing, theme));
  }

  private box(): HTMLCanvasElement {
    const canvas = el('canvas');
    this.grid.append(el('div', 'chart-box tall', canvas));
    return canvas;
  }

  private renderSettings(pareto: ParetoData | undefined, routing: RoutingData | undefined): void {
    const facts: Array<[string, string]> = [];
    if (pareto) {
      const s = pareto.settings;
      facts.push(['model', pareto.model], ['split', pareto.selectionSplit ? `accuracy on ${pareto.split}, choices on ${pareto.selectionSplit}` : pareto.split], ['dense', `${si(pareto.dense.flops)} FLOPs · ${si(pareto.dense.params)} params · ${pct(pareto.dense.accuracyMean)}`],
        ['schedule', `${s.schedule}, ${s.scope}, ${s.finetuneSteps} fine-tune steps`]);
    }
    if (routing) {
      const chosen = routing.selectionSplit ? `, expert and threshold chosen on ${routing.selectionSplit}` : '';
      facts.push(['routing', `${routing.signal} signal, pruned expert ${routing.label ?? routing.criterion} at −${routing.target}% FLOPs${chosen}`]);
    }
    const note = pareto?.splitNote ?? routing?.splitNote;
    if (note) facts.push(['', note]);
    if (pareto) facts.push(['', 'click a point to export that pruned model']);
    this.settings.replaceChildren(...facts.filter(([, v]) => v !== '').map(([k, v]) => el('span', k ? 'fact' : 'fact hint', ...(k ? [el('span', 'fact-key', k)] : []), el('span', 'fact-value', v))));
  }

  private paretoChart(data: ParetoData, theme: Theme, against: 'flops' | 'latency'): Chart {
    const xOf = (p: { flops: number; latencyMs: number }) => (against === 'flops' ? p.flops : p.latencyMs);
    const datasets: Array<ScatterSet<ParetoPoint>> = data.settings.criteria.map((criterion, i) => {
      const color = theme.palette[i % theme.palette.length];
      const pts = data.points.filter((p) => p.criterion === criterion).sort((a, b) => xOf(a) - xOf(b));
      return {
        label: data.labels?.[criterion] ?? criterion, data: pts.map((p) => ({ x: xOf(p), y: p.accuracyMean, p })), showLine: true,
        borderColor: color, backgroundColor: color, borderWidth: 1.5, pointRadius: 3.5, pointHoverRadius: 6,
      };
    }).filter((d) => d.data.length > 0);
    if (against === 'flops' || data.dense.latencyMs > 0) {
      datasets.push({
        label: 'dense', data: [{ x: xOf(data.dense), y: data.dense.accuracyMean }], pointStyle: 'star', pointRadius: 9, pointHoverRadius: 11,
        borderColor: theme.foreground, backgroundColor: theme.foreground, borderWidth: 2,
      });
    }
    const title = against === 'flops' ? 'Accuracy vs FLOPs' : 'Accuracy vs measured latency';
    const options = baseOptions(theme, title) as unknown as ChartOptions<'scatter'>;
    options.interaction = { mode: 'nearest', intersect: false, axis: 'xy' };
    options.scales = {
      x: { ...axis(theme, against === 'flops' ? 'FLOPs per sample' : 'latency (ms per batch)'), ticks: { color: theme.muted, callback: (v) => (against === 'flops' ? si(Number(v)) : num(Number(v))) } },
      y: { ...axis(theme, `accuracy on ${data.split} (mean over tasks)`), ticks: { color: theme.muted, callback: pctTick } },
    } as ChartOptions<'scatter'>['scales'];
    options.plugins!.legend!.labels = { ...options.plugins!.legend!.labels, boxHeight: 8, usePointStyle: true };
    options.plugins!.tooltip!.callbacks = {
      title: (items) => {
        const p = (items[0]?.raw as XY<ParetoPoint>)?.p;
        return p ? `${data.labels?.[p.criterion] ?? p.criterion} · target ${pct(p.target, 0)} FLOP reduction` : 'dense model';
      },
      label: (item) => paretoLines(item, data),
      footer: (items) => ((items[0]?.raw as XY<ParetoPoint>)?.p ? 'click to export this pruned model' : ''),
    };
    options.onClick = (_e, elements, chart) => {
      const hit = elements[0];
      if (!hit) return;
      const p = (chart.data.datasets[hit.datasetIndex].data[hit.index] as XY<ParetoPoint>).p;
      if (p) this.ctx.actions.exportPruned(p);
    };
    options.onHover = (e, elements) => {
      const target = e.native?.target as HTMLElement | undefined;
      if (target) target.style.cursor = elements.length > 0 ? 'pointer' : 'default';
    };
    return new Chart(this.box(), { type: 'scatter', data: { datasets }, options });
  }

  private routingChart(data: RoutingData, theme: Theme): Chart {
    const pts = [...data.points].sort((a, b) => a.expectedCost - b.expectedCost);
    const xs = pts.map((p) => p.expectedCost);
    const x0 = Math.min(data.prunedCost, ...xs);
    const x1 = Math.max(1, ...xs);
    const [line, full, pruned, mark] = [theme.palette[0], theme.palette[2], theme.palette[1], theme.palette[4]];
    const datasets: Array<ScatterSet<RoutingPoint>> = [
      { label: 'routed (pruned → full)', data: pts.map((p) => ({ x: p.expectedCost, y: p.accuracy, p })), showLine: true, borderColor: line, backgroundColor: line, borderWidth: 2, pointRadius: 2.5, pointHoverRadius: 5 },
      { label: `full expert ${pct(data.accuracyFull)}`, data: [{ x: x0, y: data.accuracyFull }, { x: x1, y: data.accuracyFull }], showLine: true, borderColor: full, backgroundColor: full, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, pointHoverRadius: 0 },
      { label: `pruned expert ${pct(data.accuracyPruned)}`, data: [{ x: x0, y: data.accuracyPruned }, { x: x1, y: data.accuracyPruned }], showLine: true, borderColor: pruned, backgroundColor: pruned, borderDash: [2, 3], borderWidth: 1.5, pointRadius: 0, pointHoverRadius: 0 },
    ];
    if (data.noLoss) {
      const n = data.noLoss;
      const chosen = data.selectionSplit ? `no loss on ${data.selectionSplit}` : 'no loss';
      datasets.push({ label: `${chosen} at cost ${num(n.expectedCost)} (${pct(n.shareFull, 0)} to full)`, data: [{ x: n.expectedCost, y: n.accuracy, p: n }], pointStyle: 'rectRot', pointRadius: 9, pointHoverRadius: 11, borderColor: mark, backgroundColor: withAlpha(mark, 0.6), borderWidth: 2 });
    }
    const options = baseOptions(theme, 'Routing: accuracy vs expected cost') as unknown as ChartOptions<'scatter'>;
    options.interaction = { mode: 'nearest', intersect: false, axis: 'xy' };
    options.scales = {
      x: { ...axis(theme, 'expected cost (× full model)'), ticks: { color: theme.muted, callback: (v) => num(Number(v)) } },
      y: { ...axis(theme, data.split ? `accuracy on ${data.split}` : 'accuracy'), ticks: { color: theme.muted, callback: pctTick } },
    } as ChartOptions<'scatter'>['scales'];
    options.plugins!.legend!.labels = { ...options.plugins!.legend!.labels, boxHeight: 8, usePointStyle: true };
    options.plugins!.tooltip!.filter = (item) => (item.raw as XY<RoutingPoint>).p !== undefined;
    options.plugins!.tooltip!.callbacks = {
      title: (items) => {
        const p = (items[0]?.raw as XY<RoutingPoint>)?.p;
        return p ? `threshold ${num(p.threshold)}` : '';
      },
      label: (item) => {
        const p = (item.raw as XY<RoutingPoint>).p!;
        return [`accuracy ${pct(p.accuracy, 2)}`, `expected cost ${num(p.expectedCost)} × full`, `${pct(p.shareFull)} of samples to the full expert`];
      },
    };
    return new Chart(this.box(), { type: 'scatter', data: { datasets }, options });
  }
}

function paretoLines(item: TooltipItem<'scatter'>, data: ParetoData): string[] {
  const p = (item.raw as XY<ParetoPoint>).p;
  const d = data.dense;
  if (!p) return [`accuracy ${pct(d.accuracyMean, 2)}`, `${si(d.flops)} FLOPs · ${si(d.params)} params`, ...(d.latencyMs > 0 ? [`${num(d.latencyMs)} ms per batch`] : [])];
  return [
    `accuracy ${pct(p.accuracyMean, 2)} (${p.accuracyMean >= d.accuracyMean ? '+' : '−'}${(Math.abs(p.accuracyMean - d.accuracyMean) * 100).toFixed(2)} pt vs dense)`,
    ...(p.selectionAccuracyMean !== undefined && data.selectionSplit ? [`${pct(p.selectionAccuracyMean, 2)} on ${data.selectionSplit}`] : []),
    `FLOPs ${si(p.flops)} (−${pct(p.flopReduction)})`,
    `params ${si(p.params)} (${pct(p.params / d.params)} of dense)`,
    `latency ${num(p.latencyMs)} ms · speed-up ×${p.speedup.toFixed(2)}`,
    `seed ${p.seed}`,
  ];
}

/** A percentage tick with as many decimals as the axis' step needs (a 0.1-point range must not read 90%, 90%, 90%). */
function pctTick(this: { ticks?: Array<{ value: number }> }, value: number | string): string {
  const ticks = this.ticks ?? [];
  const step = ticks.length > 1 ? Math.abs(ticks[1]!.value - ticks[0]!.value) : 0.01;
  const digits = Math.min(3, Math.max(0, Math.ceil(-Math.log10(step * 100) + 1e-9)));
  return pct(Number(value), digits);
}
