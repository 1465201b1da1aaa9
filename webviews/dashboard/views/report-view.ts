/**
 * The lifecycle the report tabs share (pruning, routing paths): they redraw from one part of the data when reports
 * arrive, restyle their charts with the theme, and draw only when shown and something changed.
 */
import type { DashboardData } from '../../../protocol/webview';
import type { Change } from '../store';
import type { Theme } from '../theme';
import { Chart, destroyCharts, themeCharts } from './charts';
import type { View, ViewContext } from './view';

export abstract class ReportView<T> implements View {
  abstract readonly id: string;
  abstract readonly title: string;
  abstract readonly element: HTMLElement;
  active = false;
  protected charts: Chart[] = [];
  private value: T | undefined;
  private dirty = false;

  constructor(protected readonly ctx: ViewContext) {}

  abstract available(data: DashboardData): boolean;
  /** The part of the data this view draws (the same object again means nothing changed). */
  protected abstract pick(data: DashboardData): T | undefined;
  /** Draws `value` from scratch (the previous charts are already destroyed); the charts go to `this.charts`. */
  protected abstract draw(value: T, theme: Theme): void;

  visible(): boolean {
    return this.active;
  }

  update(data: DashboardData, change: Change): void {
    if (change.kind !== 'all' && change.kind !== 'reports') return;
    const value = this.pick(data);
    if (value === this.value) return;
    this.value = value;
    this.redraw();
  }

  themeChanged(theme: Theme): void {
    themeCharts(theme, this.charts);
    this.redraw();
  }

  render(): void {
    if (!this.dirty || this.value === undefined) return;
    this.dirty = false;
    this.charts = destroyCharts(this.charts);
    this.draw(this.value, this.ctx.theme());
  }

  private redraw(): void {
    this.dirty = true;
    this.ctx.invalidate(this);
  }
}
