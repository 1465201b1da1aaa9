/**
 * The graph of subnetworks (cytoscape): a node per subnetwork with units, its area proportional to its parameters and
 * its color the task it serves; an edge per pair with weight mass between them (`edgeMass`), its width proportional
 * to that mass; the ring is the subnetwork's color. Dropped subnetworks (mask closed) are faded and dashed. A tap on a node selects the subnetwork.
 */
import cytoscape from 'cytoscape';
import type { SubnetworkData } from '../../../protocol/webview';
import { pct, si } from '../format';
import { withAlpha, type Theme } from '../theme';
import { el } from './view';

/**
 * Cytoscape adds a `<style>` to the head unless an element with this id exists; the page's CSP blocks inline styles,
 * so a placeholder takes its place and dashboard.css carries the rule.
 */
const CYTOSCAPE_STYLESHEET_ID = '__________cytoscape_stylesheet';

export class SubnetworkGraph {
  readonly element = el('div', 'subnetwork-graph');
  onSelect?: (subnetwork: number | undefined) => void;
  private cy: cytoscape.Core | undefined;
  private readonly tooltip = el('div', 'tooltip');
  private key = '';

  constructor() {
    this.tooltip.hidden = true;
    if (!document.getElementById(CYTOSCAPE_STYLESHEET_ID)) {
      const placeholder = document.createElement('meta');
      placeholder.id = CYTOSCAPE_STYLESHEET_ID;
      document.head.append(placeholder);
    }
  }

  /** (Re)builds the graph when the report changed; restyles when only the theme did. */
  draw(data: SubnetworkData, taskColor: (task: string | null) => string, subColor: (subnetwork: number) => string, theme: Theme): void {
    const key = JSON.stringify([data.subnetworks.map((s) => [s.id, s.params, s.task, s.kept]), data.edgeMass]);
    const rebuilt = !this.cy || key !== this.key;
    if (rebuilt) this.build(data);
    this.key = key;
    this.style(taskColor, subColor, theme);
    // laid out after styling: the layout keeps the nodes' real sizes apart
    if (rebuilt) this.cy!.layout({ name: 'circle', avoidOverlap: true, padding: 24, spacingFactor: 0.85, animate: false, sort: (a, b) => b.data('size') - a.data('size') } as cytoscape.LayoutOptions).run();
  }

  select(subnetwork: number | undefined): void {
    if (!this.cy) return;
    this.cy.nodes().unselect();
    if (subnetwork !== undefined) this.cy.getElementById(`s${subnetwork}`).select();
  }

  private build(data: SubnetworkData): void {
    this.cy?.destroy();
    const subs = data.subnetworks.filter((s) => Object.values(s.units).some((n) => n > 0));
    const maxParams = Math.max(1, ...subs.map((s) => s.params));
    const nodes: cytoscape.ElementDefinition[] = subs.map((s) => ({
      data: {
        id: `s${s.id}`, sub: s.id, label: `S${s.id}\n${si(s.params)}`, size: 34 + 56 * Math.sqrt(s.params / maxParams),
        task: s.task, kept: s.kept ? 1 : 0,
        tip: `S${s.id}${s.task ? ` · serves ${s.task}` : ''}\n${si(s.params)} parameters (${pct(s.paramShare)})\n${s.kept ? 'kept' : 'dropped (mask closed)'}`,
      },
    }));
    const edges: cytoscape.ElementDefinition[] = [];
    const mass = data.edgeMass;
    if (mass) {
      const ids = new Set(subs.map((s) => s.id));
      let max = 0;
      for (let i = 0; i < mass.length; i++) for (let j = i + 1; j < mass.length; j++) max = Math.max(max, mass[i][j] ?? 0);
      for (let i = 0; i < mass.length; i++) {
        for (let j = i + 1; j < mass.length; j++) {
          const m = mass[i][j] ?? 0;
          if (!(m > 0) || !ids.has(i) || !ids.has(j) || max === 0) continue;
          edges.push({ data: { id: `e${i}-${j}`, source: `s${i}`, target: `s${j}`, width: 1 + 9 * (m / max), share: m / max, tip: `S${i} ↔ S${j}: weight mass ${si(m)}` } });
        }
      }
    }
    this.element.replaceChildren(this.tooltip);
    const cy = cytoscape({
      container: this.element,
      elements: [...nodes, ...edges],
      layout: { name: 'preset' },
      userZoomingEnabled: true,
      boxSelectionEnabled: false,
      autoungrabify: false,
    });
    cy.on('tap', 'node', (e) => this.onSelect?.(e.target.data('sub')));
    cy.on('tap', (e) => {
      if (e.target === cy) this.onSelect?.(undefined);
    });
    cy.on('mouseover', 'node, edge', (e) => {
      this.tooltip.replaceChildren(...String(e.target.data('tip')).split('\n').map((l, i) => el('div', i === 0 ? 'tooltip-title' : '', l)));
      this.tooltip.hidden = false;
      const p = e.renderedPosition ?? e.target.renderedPosition?.() ?? { x: 0, y: 0 };
      this.tooltip.style.left = `${p.x + 12}px`;
      this.tooltip.style.top = `${p.y + 12}px`;
    });
    cy.on('mouseout', 'node, edge', () => (this.tooltip.hidden = true));
    this.cy = cy;
  }

  private style(taskColor: (task: string | null) => string, subColor: (subnetwork: number) => string, theme: Theme): void {
    const cy = this.cy!;
    cy.style([
      {
        selector: 'node',
        style: {
          width: 'data(size)', height: 'data(size)', label: 'data(label)', 'text-wrap': 'wrap', 'text-valign': 'center', 'text-halign': 'center',
          'font-family': theme.fontFamily, 'font-size': 'mapData(size, 34, 90, 13, 18)', 'font-weight': 'bold', color: '#ffffff', 'text-outline-width': 1.5,
          'text-outline-color': (n: cytoscape.NodeSingular) => taskColor(n.data('task')),
          'background-color': (n: cytoscape.NodeSingular) => taskColor(n.data('task')),
          // the ring: the subnetwork's own color, as in the membership strip and the table
          'border-width': 4, 'border-color': (n: cytoscape.NodeSingular) => subColor(n.data('sub')),
        },
      },
      { selector: 'node[kept = 0]', style: { opacity: 0.45, 'border-style': 'dashed' } },
      { selector: 'node:selected', style: { 'overlay-color': theme.focus, 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
      {
        selector: 'edge',
        style: { width: 'data(width)', 'line-color': withAlpha(theme.foreground, 0.35), 'curve-style': 'bezier', opacity: (e: cytoscape.EdgeSingular) => 0.35 + 0.65 * e.data('share') },
      },
    ] as unknown as cytoscape.StylesheetJson);
    cy.resize();
  }
}
