/**
 * Subnetworks: the discovered subnetworks as a graph (size: parameters, color: served task, edges: weight mass), the
 * per-layer membership of units with a slider through the clustering history to watch them form, and the ablation
 * table (accuracy drop per task, per class on hover, Shapley values) with an export button per subnetwork. Selecting a
 * subnetwork in the graph or the table highlights it everywhere.
 */
import type { DashboardData, SubnetworkData } from '../../../protocol/webview';
import { num, pct, si } from '../format';
import type { Change } from '../store';
import { withAlpha, type Theme } from '../theme';
import { MembershipStrip, type MembershipRow } from './membership';
import { SubnetworkGraph } from './subnetwork-graph';
import { el, type View, type ViewContext } from './view';

export class SubnetworksView implements View {
  readonly id = 'subnetworks';
  readonly title = 'Subnetworks';
  readonly element = el('div', 'view subnetworks');
  active = false;

  private readonly summary = el('div', 'summary');
  private readonly graph = new SubnetworkGraph();
  private readonly taskLegend = el('div', 'legend');
  private readonly strip = new MembershipStrip();
  private readonly slider = el('input', 'slider history-slider');
  private readonly sliderLabel = el('span', 'slider-value');
  private readonly historyControl: HTMLElement;
  private readonly table = el('table', 'data-table');
  private data: SubnetworkData | undefined;
  private runId: string | undefined;
  private selected: number | undefined;
  private dirty = { report: false, membership: false, selection: false };

  constructor(private readonly ctx: ViewContext) {
    this.slider.type = 'range';
    this.slider.min = '0';
    this.slider.step = '1';
    this.slider.addEventListener('input', () => {
      ctx.state.update({ historyIndex: Number(this.slider.value) });
      this.dirty.membership = true;
      ctx.invalidate(this);
    });
    this.historyControl = el('label', 'control history', 'Clustering history ', this.slider, this.sliderLabel);
    this.graph.onSelect = (s) => this.select(s);
    this.strip.onRowClick = (layerId) => this.runId !== undefined && ctx.actions.revealLayer(this.runId, layerId);
    this.element.append(
      this.summary,
      el('div', 'split',
        el('section', 'panel graph-panel', el('h3', 'section-title', 'Subnetworks'), this.graph.element, this.taskLegend),
        el('section', 'panel membership-panel', el('h3', 'section-title', 'Membership of units per layer'), this.historyControl, this.strip.element)),
      el('section', 'panel', el('h3', 'section-title', 'Ablation: accuracy lost when a subnetwork is removed'), el('div', 'table-scroll', this.table)),
    );
  }

  available(data: DashboardData): boolean {
    return data.subnetworks !== undefined && data.subnetworks.subnetworks.length > 0;
  }

  visible(): boolean {
    return this.active;
  }

  update(data: DashboardData, change: Change): void {
    if (change.kind !== 'all' && change.kind !== 'reports') return;
    this.runId = data.runs[0]?.runId;
    if (data.subnetworks === this.data) return;
    this.data = data.subnetworks;
    this.dirty = { report: true, membership: true, selection: true };
    this.ctx.invalidate(this);
  }

  themeChanged(_theme: Theme): void {
    this.dirty = { report: true, membership: true, selection: true };
    this.ctx.invalidate(this);
  }

  render(): void {
    const data = this.data;
    if (!data) return;
    const theme = this.ctx.theme();
    if (this.dirty.report) {
      this.renderSummary(data);
      this.graph.draw(data, (t) => this.taskColor(data, t, theme), (s) => this.subColor(s, theme), theme);
      this.renderTaskLegend(data, theme);
      this.renderTable(data, theme);
    }
    if (this.dirty.membership || this.dirty.selection || this.dirty.report) this.renderMembership(data, theme);
    if (this.dirty.selection || this.dirty.report) {
      this.graph.select(this.selected);
      for (const row of this.table.querySelectorAll<HTMLElement>('tbody tr')) row.classList.toggle('selected', Number(row.dataset.sub) === this.selected);
    }
    this.dirty = { report: false, membership: false, selection: false };
  }

  private select(s: number | undefined): void {
    this.selected = this.selected === s ? undefined : s;
    this.dirty.selection = true;
    this.ctx.invalidate(this);
  }

  private subColor(s: number, theme: Theme): string {
    return theme.palette[s % theme.palette.length];
  }

  private taskColor(data: SubnetworkData, task: string | null, theme: Theme): string {
    const i = data.tasks.findIndex((t) => t.name === task);
    return i < 0 ? withAlpha(theme.foreground, 0.45) : theme.palette[(i + 6) % theme.palette.length];
  }

  private renderSummary(data: SubnetworkData): void {
    const active = data.subnetworks.filter((s) => s.kept && Object.values(s.units).some((n) => n > 0)).length;
    const facts: Array<[string, string]> = [
      ['subnetworks', `${active} active of k = ${data.k}`],
      ['masks', data.hardened ? 'hard' : 'soft'],
      ['accuracy', data.tasks.map((t, i) => `${data.tasks.length > 1 ? `${t.name} ` : ''}${pct(data.accuracy[i] ?? NaN)}`).join(', ')],
    ];
    if (data.tasks.length > 1) facts.push(['specialization', data.specialization.toFixed(3)], ['NMI with served task', data.nmi.toFixed(3)]);
    if (data.qModularity !== null) facts.push(['Q-modularity', data.qModularity.toFixed(3)]);
    this.summary.replaceChildren(...facts.map(([k, v]) => el('span', 'fact', el('span', 'fact-key', k), el('span', 'fact-value', v))));
  }

  private renderTaskLegend(data: SubnetworkData, theme: Theme): void {
    const entries: Array<[string, string]> = data.tasks.map((t) => [`serves ${t.name}`, this.taskColor(data, t.name, theme)]);
    entries.push(['no dominant task', this.taskColor(data, null, theme)]);
    this.taskLegend.replaceChildren(
      ...entries.map(([label, color]) => {
        const sw = el('span', 'swatch round');
        sw.style.background = color;
        return el('span', 'legend-item', sw, label);
      }),
      el('span', 'legend-item muted', 'area: parameters · ring: subnetwork · edge width: weight mass between them · faded: dropped'),
    );
  }

  /** The final membership, or the clustering history at the slider's step. */
  private renderMembership(data: SubnetworkData, theme: Theme): void {
    const history = data.history && data.historyLayers ? data.history : [];
    this.historyControl.hidden = history.length === 0;
    let rows: MembershipRow[];
    const last = history.length; // the slider's last position is the final report
    const at = Math.min(this.ctx.state.get().historyIndex ?? last, last);
    this.slider.max = String(last);
    this.slider.value = String(at);
    if (at < last) {
      const h = history[at];
      const layers = data.historyLayers!;
      let o = 0;
      rows = layers.map((l) => {
        const cells = h.labels.slice(o, o + l.items);
        o += l.items;
        return { id: l.id, cells, unitsPerCell: l.unitsPerItem };
      });
      this.sliderLabel.textContent = `step ${h.step} · ${h.active} active · ${h.changed} changed`;
    } else {
      rows = data.layers.filter((l) => l.masked).map((l) => ({ id: l.id, cells: l.labels, unitsPerCell: 1 }));
      this.sliderLabel.textContent = 'final (report)';
    }
    this.strip.draw(rows, (s) => this.subColor(s, theme), this.selected, theme);
  }

  private renderTable(data: SubnetworkData, theme: Theme): void {
    const subs = data.subnetworks.filter((s) => Object.values(s.units).some((n) => n > 0));
    const shapley = subs.some((s) => s.shapley);
    const head = el('tr', '', th('Subnetwork'), th('Serves'), th('Kept'), th('Units', 'num'), th('Parameters', 'num'),
      ...data.tasks.map((t) => th(`Drop ${data.tasks.length > 1 ? t.name : ''}`.trim(), 'num', 'accuracy lost when removed (points); hover for classes')),
      ...(shapley ? data.tasks.map((t) => th(`Shapley ${data.tasks.length > 1 ? t.name : ''}`.trim(), 'num', 'approximate Shapley contribution ± standard error (points)')) : []),
      th(''));
    const maxDrop = Math.max(1, ...subs.flatMap((s) => s.accuracyDrop));
    const body = subs.map((s) => {
      const sw = el('span', 'swatch');
      sw.style.background = this.subColor(s.id, theme);
      const units = Object.values(s.units).reduce((a, b) => a + b, 0);
      const drops = s.accuracyDrop.map((d, t) => {
        const cell = td(`${d.toFixed(1)} pt`, 'num');
        cell.style.background = withAlpha(theme.error, Math.max(0, Math.min(0.55, (d / maxDrop) * 0.55)));
        cell.title = classDropTitle(data, t, s.classDrop[t] ?? []);
        return cell;
      });
      const shap = shapley ? data.tasks.map((_, t) => td(s.shapley ? `${num(s.shapley.values[t])} ± ${num(s.shapley.stderr[t])}` : '–', 'num')) : [];
      const button = document.createElement('vscode-button');
      button.secondary = true;
      button.textContent = 'Export';
      button.title = `Export subnetwork S${s.id} as a model`;
      button.addEventListener('click', (e) => {
        e.stopPropagation();
        this.ctx.actions.exportSubnetwork(s.id);
      });
      const row = el('tr', s.kept ? '' : 'dropped',
        td('', '', sw, `S${s.id}`), td(s.task ?? '–'), td(s.kept ? 'yes' : `no (mask ${s.mask.toFixed(2)})`), td(String(units), 'num'),
        td(`${si(s.params)} (${pct(s.paramShare)})`, 'num'), ...drops, ...shap, td('', 'actions', button));
      row.dataset.sub = String(s.id);
      row.addEventListener('click', () => this.select(s.id));
      return row;
    });
    this.table.replaceChildren(el('thead', '', head), el('tbody', '', ...body));
  }
}

function th(text: string, cls = '', title?: string): HTMLElement {
  const c = el('th', cls, text);
  if (title) c.title = title;
  return c;
}

function td(text: string, cls = '', ...children: Array<Node | string>): HTMLElement {
  return el('td', cls, ...children, text);
}

/** The per-class drops of one task, largest first, for the cell's hover. */
function classDropTitle(data: SubnetworkData, task: number, drops: Array<number | null>): string {
  const t = data.tasks[task];
  const lines = drops
    .map((d, c) => ({ d, name: t?.labels?.[c] ?? `class ${c}` }))
    .filter((x): x is { d: number; name: string } => x.d !== null)
    .sort((a, b) => b.d - a.d)
    .map((x) => `${x.name}: ${x.d.toFixed(1)} pt`);
  return `${t?.name ?? 'task'}, accuracy lost per class:\n${lines.join('\n')}`;
}
