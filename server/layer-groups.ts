/**
 * Repetitions: a `repeat: N` block is N nodes that share their template's range, and so are the layers of
 * its body. A group is every node written by one template, in model order (`blocks[0]` .. `blocks[999]`).
 */
import { walkLayers, type LayerNode, type ModelFile } from '../spec';

const cache = new WeakMap<ModelFile, Map<string, LayerNode[]>>();

function groupKey(n: LayerNode): string {
  const r = n.range;
  return `${r.line}:${r.col}:${r.endLine}:${r.endCol}|${n.id.replace(/\[\d+\]/g, '[]')}`;
}

function groups(model: ModelFile): Map<string, LayerNode[]> {
  let g = cache.get(model);
  if (g) return g;
  g = new Map();
  for (const n of walkLayers(model.layers)) {
    const k = groupKey(n);
    const list = g.get(k);
    if (list) list.push(n);
    else g.set(k, [n]);
  }
  cache.set(model, g);
  return g;
}

/** Every node written by the same template as `node` (just `[node]` when it is not repeated). */
export function repetitions(model: ModelFile, node: LayerNode): LayerNode[] {
  return groups(model).get(groupKey(node)) ?? [node];
}

/** `blocks[0]` .. `blocks[999]` for a group: the id with the varying indexes shown as ranges. */
export function groupLabel(group: readonly LayerNode[]): string {
  const first = group[0]!;
  if (group.length === 1) return first.id;
  const last = group[group.length - 1]!;
  const a = first.id.match(/\[\d+\]|[^[]+/g) ?? [first.id];
  const b = last.id.match(/\[\d+\]|[^[]+/g) ?? [last.id];
  return a.map((seg, i) => (seg === b[i] ? seg : `[${seg.slice(1, -1)}..${(b[i] ?? seg).slice(1, -1)}]`)).join('');
}
