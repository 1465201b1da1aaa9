/**
 * Expands layer templates into LayerNodes: assigns ids (see `LayerNode.id`), expands `repeat:`
 * blocks, infers shapes and counts parameters, FLOPs and depth. Shape problems are reported as
 * `shape-mismatch` naming both layers, positioned at the second.
 */
import { fmt, prod } from './layers/kind';
import { layerKind, type SimpleLayerType } from './layers/registry';
import type { LayerTemplate } from './layer-list';
import type { Reporter } from './report';
import type { LayerNode, ResidualConfig, Shape, SourceRange } from './types';

/** The layer whose output feeds the next one, for messages. */
interface Prev { id: string; type: string; shape: Shape }

interface Ctx {
  r: Reporter;
  ids: Map<string, SourceRange>;
  reported: Set<LayerTemplate>;
  depth: number;
}

export interface Expanded { layers: LayerNode[]; depth: number; outputShape?: Shape }

export function expandLayers(templates: LayerTemplate[], inputShape: Shape, r: Reporter): Expanded {
  const ctx: Ctx = { r, ids: new Map(), reported: new Set(), depth: 0 };
  const res = expandList(templates, '', inputShape, { id: 'input', type: 'model input', shape: inputShape }, ctx);
  return { layers: res.nodes, depth: ctx.depth, ...(res.output ? { outputShape: res.output } : {}) };
}

function expandList(
  ts: LayerTemplate[], prefix: string, input: Shape | undefined, prev: Prev, ctx: Ctx,
): { nodes: LayerNode[]; output: Shape | undefined; prev: Prev } {
  const nodes: LayerNode[] = [];
  let x = input;
  for (const t of ts) {
    const segment = t.name ?? `layers[${t.index}]`;
    if (t.type === 'residual') {
      for (let k = 0; k < t.repeat; k++) {
        const id = `${prefix}${segment}[${k}]`;
        claim(id, t, ctx);
        const body = expandList(t.body ?? [], `${id}.`, x, prev, ctx);
        const node = residualNode(id, t, x, body.nodes);
        if (x !== undefined && body.output !== undefined && !same(x, body.output)) {
          const changes = body.nodes
            .filter((n) => !same(n.inputShape, n.outputShape))
            .map((n) => `'${n.id}' (${n.type}) maps ${fmt(n.inputShape)} -> ${fmt(n.outputShape)}`);
          ctx.r.error(t.head, 'shape-mismatch',
            `residual block '${id}' must keep its input shape ${fmt(x)}, but its body outputs ${fmt(body.output)}` +
            (changes.length ? `: ${changes.join('; ')}` : ''));
          x = undefined;
        } else if (body.output === undefined || t.config === undefined) {
          x = undefined;
        }
        nodes.push(node);
        if (x !== undefined) prev = { id, type: 'residual', shape: x };
      }
      continue;
    }
    const id = `${prefix}${segment}`;
    claim(id, t, ctx);
    const kind = layerKind(t.type as SimpleLayerType);
    const node: LayerNode = {
      id, type: t.type, config: t.config as LayerNode['config'], inputShape: x ?? [], outputShape: [],
      params: 0, flops: 0, range: t.range,
    };
    nodes.push(node);
    if (x === undefined || t.config === undefined) { x = undefined; continue; }
    const out = kind.inferShape(x, t.config as never);
    if (typeof out === 'string') {
      ctx.r.error(t.head, 'shape-mismatch',
        `'${id}' (${t.type}) does not fit after '${prev.id}' (${prev.type}), which outputs ${fmt(prev.shape)}: ${out}`);
      x = undefined;
      continue;
    }
    node.outputShape = out;
    node.params = kind.params(x, t.config as never);
    node.flops = kind.flops(x, out, t.config as never);
    ctx.depth += kind.depth;
    x = out;
    prev = { id, type: t.type, shape: out };
  }
  return { nodes, output: x, prev };
}

function residualNode(id: string, t: LayerTemplate, x: Shape | undefined, body: LayerNode[]): LayerNode {
  const params = body.reduce((a, n) => a + n.params, 0);
  const flops = body.reduce((a, n) => a + n.flops, 0) + (x ? 2 * prod(x) : 0); // x + scale·body(x)
  return {
    id, type: 'residual', config: (t.config ?? { scale: 1 }) as ResidualConfig,
    inputShape: x ?? [], outputShape: x ?? [], params, flops, range: t.range, body,
  };
}

function claim(id: string, t: LayerTemplate, ctx: Ctx): void {
  const first = ctx.ids.get(id);
  if (first === undefined) { ctx.ids.set(id, t.range); return; }
  if (ctx.reported.has(t)) return;
  ctx.reported.add(t);
  ctx.r.error(t.head, 'duplicate-id', `layer id '${id}' is already used by the layer at line ${first.line}; give this layer another name`);
}

const same = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
