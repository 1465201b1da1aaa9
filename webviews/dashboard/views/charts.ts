/**
 * chart.js, registered once with only the parts the dashboards use (no eval anywhere in it), themed from VS Code's
 * variables. Every chart is drawn without animation and from pre-parsed `{x, y}` points, so a redraw costs little.
 */
import {
  Chart, Decimation, Ticks, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Title, Tooltip,
  type ChartOptions, type Scale, type ScaleOptionsByType, type Tick,
} from 'chart.js';
import { num } from '../format';
import type { Theme } from '../theme';

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, Decimation, Legend, Title, Tooltip);

export { Chart };

/** Applies the theme to chart.js defaults and to existing charts. */
/** Destroys the charts of a view about to draw again; returns the empty list to keep. */
export function destroyCharts(charts: Iterable<Chart>): Chart[] {
  for (const c of charts) c.destroy();
  return [];
}

export function themeCharts(theme: Theme, charts: Iterable<Chart>): void {
  Chart.defaults.color = theme.foreground;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.font.size = Math.max(11, theme.fontSize - 1);
  for (const chart of charts) {
    for (const scale of Object.values(chart.options.scales ?? {})) {
      if (!scale) continue;
      const s = scale as { grid?: { color?: unknown }; ticks?: { color?: unknown }; title?: { color?: unknown } };
      if (s.grid) s.grid.color = theme.grid;
      if (s.ticks) s.ticks.color = theme.muted;
      if (s.title) s.title.color = theme.foreground;
    }
    const tooltip = chart.options.plugins?.tooltip;
    if (tooltip) Object.assign(tooltip, tooltipColors(theme));
    chart.update();
  }
}

export function tooltipColors(theme: Theme): Record<string, string | number> {
  return {
    backgroundColor: theme.dark ? 'rgba(37, 37, 38, 0.95)' : 'rgba(255, 255, 255, 0.97)',
    titleColor: theme.foreground,
    bodyColor: theme.foreground,
    footerColor: theme.muted,
    borderColor: theme.border,
    borderWidth: 1,
  };
}

export function axis(theme: Theme, title: string, type: 'linear' | 'logarithmic' = 'linear'): ScaleOptionsByType<'linear'> {
  return {
    type,
    title: { display: true, text: title, color: theme.foreground },
    grid: { color: theme.grid },
    ticks: { color: theme.muted, maxTicksLimit: 8 },
    border: { display: false },
  } as unknown as ScaleOptionsByType<'linear'>;
}

/** Tick labels: compact numbers; on a log axis only at 1, 2, 5 × 10^n (chart.js's choice), the others blank. */
export function tickLabel(this: Scale, value: number | string, index: number, ticks: Tick[]): string {
  const v = Number(value);
  if (this.type === 'logarithmic' && Ticks.formatters.logarithmic.call(this, v, index, ticks) === '') return '';
  return num(v);
}

/** Options shared by every chart: no animation, pre-parsed data, nearest-point tooltips, a legend on top. */
export function baseOptions(theme: Theme, title: string): ChartOptions<'line'> {
  return {
    animation: false,
    parsing: false,
    normalized: true,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', intersect: false, axis: 'x' },
    plugins: {
      title: { display: true, text: title, align: 'start', color: theme.foreground, font: { weight: 'bold', size: theme.fontSize } },
      legend: { position: 'top', align: 'end', labels: { boxWidth: 12, boxHeight: 2, color: theme.foreground } },
      tooltip: { ...tooltipColors(theme) },
    },
  };
}
