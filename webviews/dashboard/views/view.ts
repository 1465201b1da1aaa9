/** What a dashboard tab is, and what it may ask of the page. */
import type { DashboardData, ParetoData } from '../../../protocol/webview';
import type { StateStore } from '../state';
import type { Change } from '../store';
import type { Theme } from '../theme';
import type { Renderable } from '../throttle';

/** Actions that need the extension; in a standalone report they say what they would do instead. */
export interface Actions {
  revealLayer(runId: string, layerId: string): void;
  exportPruned(point: ParetoData['points'][number]): void;
  exportSubnetwork(subnetwork: number): void;
}

export interface ViewContext {
  state: StateStore;
  actions: Actions;
  theme(): Theme;
  /** Redraw `view` in the next frame (coalesced: many calls, one redraw). */
  invalidate(view: View): void;
}

export interface View extends Renderable {
  readonly id: string;
  readonly title: string;
  /** The tab's content, built once. */
  readonly element: HTMLElement;
  /** Whether the data has anything this view shows (a view without data has no tab). */
  available(data: DashboardData): boolean;
  /** New data: note what changed and invalidate; draw in `render()`. */
  update(data: DashboardData, change: Change): void;
  /** The theme changed: restyle (and invalidate). */
  themeChanged(theme: Theme): void;
  /** Set by the page when the view's tab is shown or hidden. */
  active: boolean;
}

/** `document.createElement` with a class and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) e.append(c);
  return e;
}

/** A `vscode-option` of a `vscode-single-select`. */
export function option(value: string, label: string, selected: boolean): HTMLElement {
  const o = document.createElement('vscode-option');
  o.value = value;
  o.textContent = label;
  o.selected = selected;
  return o;
}
