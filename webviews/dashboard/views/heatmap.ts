/**
 * A layers × steps heatmap drawn by hand on a canvas, built to stay smooth with 1000 layers and a new step ten times
 * a second:
 * - the data lives in an off-screen image, one pixel per layer and per column; a column holds the maximum over a
 *   bucket of steps (a spike stays visible however long the run), and when the columns run out the bucket doubles
 *   (the one full re-aggregation, rare: log2 of the run's length);
 * - appending a step recolors only its column (`putImageData` of one pixel column); everything is recolored only
 *   when a value leaves the color scale's decades;
 * - the screen is one scaled `drawImage` of that image plus the labels, ticks and alert marks.
 * Colors: viridis over log10 of the value, the scale widened to whole decades.
 */
import { alertLayers } from '../../../protocol/run-records';
import { num } from '../format';
import { VIRIDIS, viridisCss, type Theme } from '../theme';
import { el } from './view';

export interface HeatmapSource {
  /** Row order. */
  layers: string[];
  /** The step of each entry of `values`. */
  steps: number[];
  /** values[i][row]: the metric of each layer at steps[i] (NaN where the layer has none). */
  values: Float32Array[];
}

export interface HeatmapMark { step: number; layerId?: string; others?: Array<{ layerId: string }>; severity: 'warning' | 'error' }

const MAX_COLUMNS = 480;
const MIN_COLUMNS = 40;
const TOP = 16;
const BOTTOM = 36;

export class Heatmap {
  readonly element = el('div', 'heatmap');
  readonly legend = el('div', 'heatmap-legend');
  marks: HeatmapMark[] = [];
  onRowClick?: (layerId: string) => void;

  private readonly canvas = el('canvas');
  private readonly highlight = el('div', 'heatmap-row-highlight');
  private readonly tooltip = el('div', 'tooltip');
  private readonly image = document.createElement('canvas');
  private readonly legendBar = el('canvas', 'legend-bar');
  private readonly legendLo = el('span');
  private readonly legendHi = el('span');
  private src: HeatmapSource = { layers: [], steps: [], values: [] };
  private consumed = 0;
  private bucket = 1;
  private columns: Float32Array[] = [];
  private pixels: ImageData | undefined;
  private lo = 0;
  private hi = 0;
  private dirty = new Set<number>();
  private repaint = true;
  private geometry = { gutter: 0, rowH: 1, colW: 1, width: 0, height: 0 };
  private labelWidth = 0;

  constructor(private readonly requestDraw: () => void) {
    this.element.append(this.canvas, this.highlight, this.tooltip);
    this.legendBar.width = 160;
    this.legendBar.height = 10;
    this.legend.append(this.legendLo, this.legendBar, this.legendHi);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.tooltip.hidden = true;
      this.highlight.hidden = true;
    });
    this.canvas.addEventListener('click', (e) => {
      const hit = this.hit(e);
      if (hit) this.onRowClick?.(this.src.layers[hit.row]);
    });
    this.tooltip.hidden = true;
    this.highlight.hidden = true;
    new ResizeObserver(() => this.requestDraw()).observe(this.element);
  }

  /** New data (another run or metric): everything is aggregated again. */
  setSource(src: HeatmapSource): void {
    this.src = src;
    this.consumed = 0;
    this.bucket = 1;
    this.columns = [];
    this.lo = this.hi = 0;
    this.repaint = true;
    this.labelWidth = 0;
    this.pixels = undefined;
  }

  /** Takes the source's new steps in and draws. */
  render(theme: Theme): void {
    const layers = this.src.layers.length;
    if (this.src.values.length > this.consumed) this.ingest();
    if (!this.pixels || this.pixels.height !== Math.max(1, layers)) {
      this.image.width = MAX_COLUMNS;
      this.image.height = Math.max(1, layers);
      this.pixels = new ImageData(MAX_COLUMNS, Math.max(1, layers));
      this.repaint = true;
    }
    this.paint();
    this.draw(theme);
  }

  private ingest(): void {
    const n = this.src.values.length;
    let bucket = this.bucket;
    while (Math.ceil(n / bucket) > MAX_COLUMNS) bucket *= 2;
    if (bucket !== this.bucket) {
      // out of columns: coarser buckets, aggregated again from the start
      this.bucket = bucket;
      this.columns = [];
      this.consumed = 0;
      this.repaint = true;
    }
    const rows = this.src.layers.length;
    for (let i = this.consumed; i < n; i++) {
      const c = Math.floor(i / this.bucket);
      let col = this.columns[c];
      if (!col) col = this.columns[c] = new Float32Array(rows).fill(NaN);
      const v = this.src.values[i];
      for (let r = 0; r < rows; r++) {
        const x = v[r];
        if (!(x === x)) continue; // NaN
        if (!(col[r] >= x)) col[r] = x;
        this.widen(x);
      }
      this.dirty.add(c);
    }
    this.consumed = n;
  }

  /** Widens the color scale to whole decades around `x`; a change recolors everything. */
  private widen(x: number): void {
    if (!(x > 0) || !Number.isFinite(x)) return;
    const l = Math.log10(x);
    if (this.hi === this.lo) {
      this.lo = Math.floor(l);
      this.hi = Math.max(this.lo + 1, Math.ceil(l));
      this.repaint = true;
    } else if (l < this.lo) {
      this.lo = Math.floor(l);
      this.repaint = true;
    } else if (l > this.hi) {
      this.hi = Math.ceil(l);
      this.repaint = true;
    }
  }

  private color(x: number): number {
    if (!(x === x)) return 0; // transparent
    if (!(x > 0)) return VIRIDIS[0];
    const t = (Math.log10(x) - this.lo) / (this.hi - this.lo);
    return VIRIDIS[Math.max(0, Math.min(255, Math.round(t * 255)))];
  }

  /** Recolors the dirty columns (or all of them) of the off-screen image. */
  private paint(): void {
    const img = this.pixels!;
    const out = new Uint32Array(img.data.buffer);
    const rows = this.src.layers.length;
    const cols = this.repaint ? this.columns.map((_, c) => c) : [...this.dirty];
    if (this.repaint) out.fill(0);
    for (const c of cols) {
      const col = this.columns[c];
      if (!col) continue;
      for (let r = 0; r < rows; r++) out[r * MAX_COLUMNS + c] = this.color(col[r]);
    }
    const g = this.image.getContext('2d')!;
    if (this.repaint) g.putImageData(img, 0, 0);
    else for (const c of cols) g.putImageData(img, 0, 0, c, 0, 1, img.height);
    if (this.repaint) this.drawLegend();
    this.repaint = false;
    this.dirty.clear();
  }

  private drawLegend(): void {
    const g = this.legendBar.getContext('2d')!;
    for (let x = 0; x < this.legendBar.width; x++) {
      g.fillStyle = viridisCss(x / (this.legendBar.width - 1));
      g.fillRect(x, 0, 1, this.legendBar.height);
    }
    const empty = this.hi === this.lo;
    this.legendLo.textContent = empty ? '' : num(10 ** this.lo);
    this.legendHi.textContent = empty ? '' : num(10 ** this.hi);
  }

  /** The screen: the image scaled to the plot, layer labels, step ticks, alert marks. */
  private draw(theme: Theme): void {
    const rows = Math.max(1, this.src.layers.length);
    const width = Math.max(200, this.element.clientWidth);
    const rowH = Math.max(1, Math.min(16, Math.floor(560 / rows)));
    const height = TOP + rows * rowH + BOTTOM;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const g = this.canvas.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    const font = `${Math.max(10, theme.fontSize - 2)}px ${theme.fontFamily}`;
    g.font = font;
    if (this.labelWidth === 0) this.labelWidth = Math.min(220, Math.max(40, ...this.src.layers.map((l) => g.measureText(l).width)) + 12);
    const gutter = this.labelWidth;
    const plotW = width - gutter - 8;
    const ncols = this.columns.length;
    const colW = plotW / Math.max(ncols, MIN_COLUMNS);
    this.geometry = { gutter, rowH, colW, width, height };

    g.fillStyle = theme.dark ? 'rgba(255,255,255,0.03)' : 'rgba(0,0,0,0.03)';
    g.fillRect(gutter, TOP, plotW, rows * rowH);
    g.imageSmoothingEnabled = false;
    if (ncols > 0) g.drawImage(this.image, 0, 0, ncols, rows, gutter, TOP, ncols * colW, rows * rowH);

    // layer labels: as many as fit, ends kept (the last part of an id says most)
    g.fillStyle = theme.foreground;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    const every = Math.max(1, Math.ceil(13 / rowH));
    for (let r = 0; r < this.src.layers.length; r += every) g.fillText(fitStart(g, this.src.layers[r], gutter - 10), gutter - 6, TOP + r * rowH + rowH / 2);

    // step ticks
    g.fillStyle = theme.muted;
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const y0 = TOP + rows * rowH;
    g.strokeStyle = theme.grid;
    const tickEvery = Math.max(1, Math.ceil(ncols / Math.max(2, Math.floor((ncols * colW) / 80))));
    for (let c = 0; c < ncols; c += tickEvery) {
      const x = gutter + (c + 0.5) * colW;
      g.beginPath();
      g.moveTo(x, y0);
      g.lineTo(x, y0 + 4);
      g.stroke();
      g.fillText(String(this.src.steps[c * this.bucket]), x, y0 + 6);
    }
    g.fillStyle = theme.foreground;
    g.fillText(this.bucket > 1 ? `step (a column: max over ${this.bucket} records)` : 'step', gutter + plotW / 2, y0 + 21);

    // alerts: a mark above the column, the cell outlined when the alert names a layer
    for (const m of this.marks) {
      const i = lowerBound(this.src.steps, m.step);
      if (i >= this.src.steps.length) continue;
      const x = gutter + (Math.floor(i / this.bucket) + 0.5) * colW;
      g.fillStyle = m.severity === 'error' ? theme.error : theme.warning;
      g.beginPath();
      g.moveTo(x - 4, TOP - 11);
      g.lineTo(x + 4, TOP - 11);
      g.lineTo(x, TOP - 3);
      g.fill();
      // a grouped alert outlines each of its layers
      for (const layerId of alertLayers(m)) {
        const r = this.src.layers.indexOf(layerId);
        if (r < 0 || rowH < 3) continue;
        g.strokeStyle = g.fillStyle;
        g.lineWidth = 1.5;
        g.strokeRect(x - colW / 2, TOP + r * rowH, Math.max(2, colW), rowH);
      }
    }
  }

  private hit(e: MouseEvent): { row: number; col: number } | undefined {
    const { gutter, rowH, colW } = this.geometry;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const row = Math.floor((y - TOP) / rowH);
    if (row < 0 || row >= this.src.layers.length) return undefined;
    const col = x < gutter ? -1 : Math.floor((x - gutter) / colW);
    return { row, col: col < this.columns.length ? col : -1 };
  }

  private hover(e: MouseEvent): void {
    const hit = this.hit(e);
    this.canvas.style.cursor = hit ? 'pointer' : 'default';
    if (!hit) {
      this.tooltip.hidden = true;
      this.highlight.hidden = true;
      return;
    }
    const { rowH, width } = this.geometry;
    this.highlight.hidden = false;
    this.highlight.style.top = `${TOP + hit.row * rowH - (rowH < 3 ? 1 : 0)}px`;
    this.highlight.style.height = `${Math.max(rowH, 3)}px`;
    this.highlight.style.width = `${width}px`;
    const layer = this.src.layers[hit.row];
    const lines = [layer];
    if (hit.col >= 0) {
      const first = hit.col * this.bucket;
      const last = Math.min(this.src.steps.length, first + this.bucket) - 1;
      const steps = first === last ? `step ${this.src.steps[first]}` : `steps ${this.src.steps[first]}–${this.src.steps[last]} (max)`;
      const v = this.columns[hit.col]?.[hit.row];
      lines.push(`${steps}: ${v === undefined || Number.isNaN(v) ? 'no value' : num(v)}`);
    }
    lines.push('click: reveal in the model file');
    this.tooltip.replaceChildren(...lines.map((l, i) => el('div', i === 0 ? 'tooltip-title' : '', l)));
    this.tooltip.hidden = false;
    const rect = this.element.getBoundingClientRect();
    const left = Math.min(e.clientX - rect.left + 14, rect.width - this.tooltip.offsetWidth - 4);
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${e.clientY - rect.top + 14}px`;
  }
}

/** Index of the first entry ≥ `x` in a sorted array. */
function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `text` shortened from the start with an ellipsis to fit `width`. */
function fitStart(g: CanvasRenderingContext2D, text: string, width: number): string {
  if (g.measureText(text).width <= width) return text;
  let s = text;
  while (s.length > 1 && g.measureText(`…${s}`).width > width) s = s.slice(1);
  return `…${s}`;
}
