/**
 * Per-layer membership of units: one row per clustered layer, one cell per unit (or per clustered item of several
 * units) colored by its subnetwork; unassigned units are grey. A selected subnetwork is drawn at full strength and the
 * others dimmed. Hover names the unit and its subnetwork; a click on a row reveals the layer.
 */
import { withAlpha, type Theme } from '../theme';
import { el } from './view';

export interface MembershipRow {
  id: string;
  /** Subnetwork of each cell (−1: none). */
  cells: ArrayLike<number>;
  /** Units each cell stands for. */
  unitsPerCell: number;
}

const ROW_H = 16;
const GAP = 6;

export class MembershipStrip {
  readonly element = el('div', 'membership');
  onRowClick?: (layerId: string) => void;
  private readonly canvas = el('canvas');
  private readonly tooltip = el('div', 'tooltip');
  private rows: MembershipRow[] = [];
  private gutter = 0;
  private plotW = 0;

  constructor() {
    this.element.append(this.canvas, this.tooltip);
    this.tooltip.hidden = true;
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    this.canvas.addEventListener('click', (e) => {
      const hit = this.hit(e);
      if (hit) this.onRowClick?.(this.rows[hit.row].id);
    });
  }

  draw(rows: MembershipRow[], color: (subnetwork: number) => string, selected: number | undefined, theme: Theme): void {
    this.rows = rows;
    const width = Math.max(240, this.element.clientWidth);
    const height = rows.length * (ROW_H + GAP) + GAP;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const g = this.canvas.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = `${Math.max(10, theme.fontSize - 2)}px ${theme.fontFamily}`;
    this.gutter = Math.min(200, Math.max(60, ...rows.map((r) => g.measureText(r.id).width)) + 14);
    this.plotW = width - this.gutter - 70;
    const none = withAlpha(theme.foreground, 0.12);
    rows.forEach((row, i) => {
      const y = GAP + i * (ROW_H + GAP);
      g.fillStyle = theme.foreground;
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      g.fillText(row.id, this.gutter - 8, y + ROW_H / 2);
      const n = row.cells.length;
      const w = this.plotW / Math.max(1, n);
      // runs of equal cells in one rect each (a 4096-unit layer is a few dozen rects, not 4096)
      let start = 0;
      for (let c = 1; c <= n; c++) {
        if (c < n && row.cells[c] === row.cells[start]) continue;
        const s = row.cells[start];
        const base = s < 0 ? none : color(s);
        g.fillStyle = selected === undefined || s === selected ? base : withAlpha(base, 0.18);
        g.fillRect(this.gutter + start * w, y, Math.max(0.5, (c - start) * w - (w > 3 ? 1 : 0)), ROW_H);
        start = c;
      }
      g.fillStyle = theme.muted;
      g.textAlign = 'left';
      g.fillText(`${n * row.unitsPerCell} units`, this.gutter + this.plotW + 8, y + ROW_H / 2);
    });
  }

  private hit(e: MouseEvent): { row: number; cell: number } | undefined {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top - GAP;
    const row = Math.floor(y / (ROW_H + GAP));
    if (row < 0 || row >= this.rows.length || y - row * (ROW_H + GAP) > ROW_H) return undefined;
    const n = this.rows[row].cells.length;
    const cell = Math.floor(((x - this.gutter) / this.plotW) * n);
    return { row, cell: cell >= 0 && cell < n ? cell : -1 };
  }

  private hover(e: MouseEvent): void {
    const hit = this.hit(e);
    this.canvas.style.cursor = hit ? 'pointer' : 'default';
    if (!hit) {
      this.tooltip.hidden = true;
      return;
    }
    const row = this.rows[hit.row];
    const lines = [row.id];
    if (hit.cell >= 0) {
      const s = row.cells[hit.cell];
      const u0 = hit.cell * row.unitsPerCell;
      const units = row.unitsPerCell > 1 ? `units ${u0}–${u0 + row.unitsPerCell - 1}` : `unit ${u0}`;
      lines.push(`${units}: ${s < 0 ? 'no subnetwork' : `subnetwork S${s}`}`);
    }
    lines.push('click: reveal in the model file');
    this.tooltip.replaceChildren(...lines.map((l, i) => el('div', i === 0 ? 'tooltip-title' : '', l)));
    this.tooltip.hidden = false;
    const rect = this.element.getBoundingClientRect();
    this.tooltip.style.left = `${Math.max(0, Math.min(e.clientX - rect.left + 14, rect.width - this.tooltip.offsetWidth - 4))}px`;
    this.tooltip.style.top = `${e.clientY - rect.top + 14}px`;
  }
}
