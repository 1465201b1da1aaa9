/**
 * Routing paths (issue 8): what the tokens of each `dna` layer did, and the same statistics for the model at random
 * init beside them (a reviewer noted that random routers already cluster tokens: what training adds is the
 * difference). Per layer:
 * - module usage per hop (share of tokens; one colour scale for both models) and the share dropped by capacity;
 * - path frequency against rank on log-log axes with the fitted power laws (exponent and r² in the legend);
 * - associations: NMI between path and label (class, patch position, character type) against its first-hop
 *   baseline, and per group its FLOPs per token and most frequent path;
 * - the most frequent paths.
 * The header gives FLOPs per sample and per token against their static bounds, distinct paths and path entropy.
 */
import type { ChartDataset, ChartOptions } from 'chart.js';
import { formatPath, type DnaLayerReport, type DnaPathStats, type DnaReport, type PathAssociation } from '../../../protocol/dna';
import type { DashboardData } from '../../../protocol/webview';
import { num, pct, si } from '../format';
import { withAlpha, type Theme } from '../theme';
import { axis, baseOptions, Chart, tickLabel } from './charts';
import { ReportView } from './report-view';
import { el, option, type ViewContext } from './view';

interface XY { x: number; y: number }
type LineSet = ChartDataset<'scatter', XY[]> & { fit?: boolean; tokens?: number };
type Which = 'trained' | 'random';
const MODELS: Array<{ key: Which; title: string }> = [{ key: 'trained', title: 'trained' }, { key: 'random', title: 'random init' }];

export class PathsView extends ReportView<DnaReport> {
  readonly id = 'paths';
  readonly title = 'Routing paths';
  readonly element = el('div', 'view paths');

  private readonly summary = el('div', 'summary');
  private readonly layers = el('div', 'paths-layers');
  /** Per layer: redraws its group table for the labelling chosen. */
  private groupTables: Array<() => void> = [];

  constructor(ctx: ViewContext) {
    super(ctx);
    this.element.append(this.summary, this.layers);
  }

  available(data: DashboardData): boolean {
    return (data.paths?.layers.length ?? 0) > 0;
  }

  protected pick(data: DashboardData): DnaReport | undefined {
    return data.paths;
  }

  protected draw(r: DnaReport, theme: Theme): void {
    this.groupTables = [];
    this.summary.replaceChildren(
      fact('analysed', `${r.samples} ${r.split} samples × ${r.tokensPerSample} tokens, weights of step ${r.step}`),
      fact('FLOPs per sample', `${si(r.flopsPerSample)} of ${si(r.boundFlopsPerSample)} bound (${pct(r.flopsPerSample / r.boundFlopsPerSample)})`,
        'measured cost of the routed layers against every hop running its most expensive module'),
    );
    const layers = r.layers.map((l) => this.layer(l, theme));
    this.layers.replaceChildren(...layers.map((x) => x.section));
    // chart.js measures its box: the charts once their sections are in the page
    this.charts = layers.map((x) => x.chart());
  }

  private layer(l: DnaLayerReport, theme: Theme): { section: HTMLElement; chart: () => Chart } {
    const { trained: t, random: rnd } = l;
    const facts = el('div', 'summary',
      fact('FLOPs per token', `${si(t.flopsPerToken)} of ${si(l.boundFlopsPerToken)} bound (${pct(t.flopsPerToken / l.boundFlopsPerToken)})`
        + ` · random init ${si(rnd.flopsPerToken)}`),
      fact('distinct paths', `${count(t.distinctPaths)} · random init ${count(rnd.distinctPaths)} (${count(t.tokens)} tokens)`),
      fact('path entropy', `${t.entropyBits.toFixed(2)} bits · random init ${rnd.entropyBits.toFixed(2)} (max ${t.maxEntropyBits.toFixed(2)})`),
    );
    const pool = `${l.hops} hops · top-${l.k} · pool ${l.modules.map((m) => m.label).join(', ')}`;
    const maxUse = Math.max(1e-9, ...[t, rnd].flatMap((s) => s.usage.flat()));
    const maxDrop = Math.max(1e-9, ...t.dropped, ...rnd.dropped);
    const usage = MODELS.map((m) => panel(`Module usage per hop · ${m.title}`,
      el('div', 'table-scroll', this.usageTable(l, l[m.key], maxUse, maxDrop, theme))));
    const chartBox = el('div', 'chart-box tall');
    const canvas = el('canvas');
    chartBox.append(canvas);
    const caption = el('p', 'caption muted', powerLawCaption(l));
    const [assoc, groups] = this.associations(l);
    const top = MODELS.map((m) => panel(`Most frequent paths · ${m.title}`, el('div', 'table-scroll', topPathsTable(l, l[m.key]))));
    const section = el('section', 'panel dna-layer',
      el('h3', 'section-title', `${l.layerId} `, el('span', 'muted', pool)),
      facts,
      el('div', 'pair', ...usage),
      el('div', 'pair', el('div', 'rank-chart', chartBox, caption), assoc),
      ...(groups ? [groups] : []),
      el('div', 'pair', ...top),
    );
    return { section, chart: () => this.rankChart(canvas, l, theme) };
  }

  /** Hops × modules, each cell the share of tokens the module processed at that hop; the dropped share last. */
  private usageTable(l: DnaLayerReport, s: DnaPathStats, maxUse: number, maxDrop: number, theme: Theme): HTMLElement {
    const head = el('tr', '', th('hop'), ...l.modules.map((m) => th(m.label, 'num', `${m.kind}: ${si(m.flopsPerToken)} FLOPs per token, ${si(m.params)} parameters`)),
      th('dropped', 'num', 'share of token choices dropped by capacity'));
    const rows = s.usage.map((row, h) => {
      const cells = l.modules.map((m, i) => {
        const u = row[i] ?? 0;
        const a = Math.min(1, u / maxUse) * 0.85;
        const c = td(u === 0 ? '0' : u < 0.001 ? '<0.1%' : pct(u, u < 0.1 ? 1 : 0), `num heat${a > 0.5 ? ' strong' : ''}`);
        c.style.background = withAlpha(theme.palette[0], a);
        c.title = `${m.label} at hop ${h + 1}: ${pct(u, 2)} of tokens`;
        return c;
      });
      const d = s.dropped[h] ?? 0;
      const dc = td(pct(d, 1), 'num heat');
      dc.style.background = withAlpha(theme.error, Math.min(1, d / maxDrop) * 0.45);
      dc.title = `hop ${h + 1}: ${pct(d, 2)} of token choices dropped by capacity`;
      return el('tr', '', td(String(h + 1)), ...cells, dc);
    });
    return el('table', 'data-table static usage-table', el('thead', '', head), el('tbody', '', ...rows));
  }

  private rankChart(canvas: HTMLCanvasElement, l: DnaLayerReport, theme: Theme): Chart {
    const datasets: LineSet[] = [];
    MODELS.forEach((m, i) => {
      const s = l[m.key];
      const color = theme.palette[i];
      const pts = s.rankFrequency.filter(([r, c]) => r > 0 && c > 0).map(([x, y]) => ({ x, y }));
      datasets.push({
        label: m.title, data: pts, tokens: s.tokens, showLine: true, borderColor: color, backgroundColor: color, borderWidth: 1.5, pointRadius: 2.5, pointHoverRadius: 5,
      });
      const f = s.powerLaw;
      if (!f) return;
      const x1 = Math.max(2, f.ranks);
      const at = (x: number) => ({ x, y: Math.exp(f.intercept) * x ** -f.exponent });
      datasets.push({
        label: `${m.title} fit: α = ${f.exponent.toFixed(2)}, r² = ${f.r2.toFixed(3)}`, data: [at(1), at(x1)], fit: true, showLine: true,
        borderColor: withAlpha(color, 0.9), backgroundColor: withAlpha(color, 0.9), borderDash: [6, 4], borderWidth: 2, pointRadius: 0, pointHoverRadius: 0,
      });
    });
    const top = Math.max(1, ...datasets.filter((d) => !d.fit).flatMap((d) => d.data.map((p) => p.y)));
    const options = baseOptions(theme, 'Path frequency vs rank') as unknown as ChartOptions<'scatter'>;
    options.interaction = { mode: 'nearest', intersect: false, axis: 'xy' };
    options.scales = {
      x: { ...axis(theme, 'rank of the path (log)', 'logarithmic'), ticks: { color: theme.muted, callback: tickLabel } },
      // the data sets the range: a fit dominated by the long tail may start far above the most frequent path (clipped)
      y: { ...axis(theme, 'tokens on the path (log)', 'logarithmic'), min: 0.8, max: niceAbove(1.5 * top), ticks: { color: theme.muted, callback: tickLabel } },
    } as ChartOptions<'scatter'>['scales'];
    options.plugins!.legend!.labels = { ...options.plugins!.legend!.labels, boxHeight: 2 };
    options.plugins!.tooltip!.filter = (item) => !(item.dataset as LineSet).fit;
    options.plugins!.tooltip!.callbacks = {
      title: (items) => (items[0] ? `rank ${num((items[0].raw as XY).x)}` : ''),
      label: (item) => {
        const p = item.raw as XY;
        return `${item.dataset.label}: ${count(p.y)} tokens (${pct(p.y / ((item.dataset as LineSet).tokens ?? NaN), 2)})`;
      },
    };
    return new Chart(canvas, { type: 'scatter', data: { datasets }, options });
  }

  /** NMI per labelling (trained, random init, first hop only); the groups of the labelling chosen (none without labellings). */
  private associations(l: DnaLayerReport): [HTMLElement, HTMLElement | undefined] {
    const bys = [...new Set([...l.trained.associations, ...l.random.associations].map((a) => a.by))];
    const find = (s: DnaPathStats, by: string) => s.associations.find((a) => a.by === by);
    const cells = (a: PathAssociation | undefined) => {
      const chance = typeof a?.nmiChance === 'number' ? ` (${a.nmiChance.toFixed(3)})` : '';
      return [
        td(typeof a?.nmiAdjusted === 'number' ? a.nmiAdjusted.toFixed(3) : '–', 'num strong-value'),
        td(a ? `${a.nmi.toFixed(3)}${chance}` : '–', 'num'),
        td(a ? a.nmiFirstHop.toFixed(3) : '–', 'num'),
      ];
    };
    const sub = () => [
      th('adjusted', 'num', '(NMI − chance) / (1 − chance): 0 at chance, 1 when the path determines the label; compare this across models'),
      th('NMI (chance)', 'num', 'normalised mutual information between path and label; in brackets the same with the labels shuffled'),
      th('first hop', 'num', 'NMI with the path cut to its first hop: what the later hops add is the difference'),
    ];
    const group = (text: string) => {
      const c = el('th', 'group-head', text);
      c.colSpan = 3;
      return c;
    };
    const summary = el('table', 'data-table static',
      el('thead', '', el('tr', '', th(''), group('trained'), group('random init')), el('tr', '', th('labelling'), ...sub(), ...sub())),
      el('tbody', '', ...bys.map((by) => el('tr', '', td(by), ...cells(find(l.trained, by)), ...cells(find(l.random, by))))));
    const groups = el('div', 'table-scroll');
    const select = document.createElement('vscode-single-select');
    const fill = () => {
      const by = bys.includes(this.ctx.state.get().pathsBy ?? '') ? this.ctx.state.get().pathsBy! : bys[0]!;
      select.replaceChildren(...bys.map((b) => option(b, b, b === by)));
      groups.replaceChildren(groupTable(l, find(l.trained, by), find(l.random, by)));
    };
    select.addEventListener('change', () => {
      this.ctx.state.update({ pathsBy: select.value });
      for (const f of this.groupTables) f();
    });
    this.groupTables.push(fill);
    fill();
    const note = el('p', 'caption muted', 'With nearly one path per token NMI is high by chance alone (random routers): compare the '
      + 'adjusted NMI across the two models, and NMI against its first hop to see what the later hops add.');
    const box = panel('Paths and labels', el('div', 'table-scroll', summary), note);
    if (bys.length === 0) return [box, undefined];
    return [box, panel('Groups', el('label', 'control groups-by', 'Labelling ', select), groups)];
  }
}

/** Per group: tokens, FLOPs per token and the most frequent path, trained and at random init. */
function groupTable(l: DnaLayerReport, t: PathAssociation | undefined, r: PathAssociation | undefined): HTMLElement {
  const labels = [...new Set([...(t?.groups ?? []), ...(r?.groups ?? [])].map((g) => g.label))];
  const cells = (a: PathAssociation | undefined, label: string) => {
    const g = a?.groups.find((x) => x.label === label);
    const p = g?.topPaths[0];
    const path = td(p ? formatPath(p.path, l.modules) : '–', 'path');
    if (g) path.title = g.topPaths.map((x) => `${pct(x.share, 1)}  ${formatPath(x.path, l.modules)}`).join('\n');
    return [td(g ? si(g.flopsPerToken) : '–', 'num'), td(p ? pct(p.share, 0) : '', 'num muted'), path];
  };
  const head = el('tr', '', th('group'), th('tokens', 'num'),
    th('FLOPs/token', 'num', 'trained'), th('', 'num'),
    th('top path · trained', '', 'the group\'s most frequent path and its share of the group (hover: the top three)'),
    th('FLOPs/token', 'num', 'random init'), th('', 'num'), th('top path · random init'));
  const rows = labels.map((label) => {
    const tokens = t?.groups.find((g) => g.label === label)?.tokens ?? r?.groups.find((g) => g.label === label)?.tokens;
    return el('tr', '', td(label), td(tokens === undefined ? '–' : count(tokens), 'num'), ...cells(t, label), ...cells(r, label));
  });
  return el('table', 'data-table static groups-table', el('thead', '', head), el('tbody', '', ...rows));
}

function topPathsTable(l: DnaLayerReport, s: DnaPathStats): HTMLElement {
  const rows = s.topPaths.map((p, i) => el('tr', '', td(String(i + 1), 'num muted'), td(formatPath(p.path, l.modules), 'path'),
    td(count(p.count), 'num'), td(pct(p.share, 2), 'num')));
  const covered = s.topPaths.reduce((a, p) => a + p.share, 0);
  return el('table', 'data-table static', el('thead', '', el('tr', '', th('#', 'num'), th('path'), th('tokens', 'num'), th('share', 'num'))),
    el('tbody', '', ...rows),
    el('tfoot', '', el('tr', '', td(''), td(`top ${s.topPaths.length} of ${count(s.distinctPaths)}`, 'muted'), td(''), td(pct(covered, 1), 'num muted'))));
}

function powerLawCaption(l: DnaLayerReport): string {
  const part = (title: string, s: DnaPathStats) => (s.powerLaw
    ? `${title} α = ${s.powerLaw.exponent.toFixed(2)} (r² ${s.powerLaw.r2.toFixed(3)}, ${s.powerLaw.ranks} ranks)`
    : `${title}: too few repeated paths to fit`);
  return `Dashed: tokens ≈ C · rank^−α fitted on the paths seen at least twice; ${part('trained', l.trained)}, ${part('random init', l.random)}. `
    + 'A steeper line than random init means training concentrated the tokens on fewer paths.';
}

/** The smallest 1, 2 or 5 × 10^n at or above x (a log axis' top that gets a tick). */
function niceAbove(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= x) ?? 10 * p;
}

/** 32,000: a count with thousands separators. */
function count(n: number): string {
  return n.toLocaleString('en-US');
}

function panel(title: string, ...children: Array<Node | string>): HTMLElement {
  return el('section', 'panel', el('h3', 'section-title', title), ...children);
}

function fact(key: string, value: string, title?: string): HTMLElement {
  const f = el('span', 'fact', el('span', 'fact-key', key), el('span', 'fact-value', value));
  if (title) f.title = title;
  return f;
}

function th(text: string, cls = '', title?: string): HTMLElement {
  const c = el('th', cls, text);
  if (title) c.title = title;
  return c;
}

function td(text: string, cls = ''): HTMLElement {
  return el('td', cls, text);
}
