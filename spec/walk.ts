/** Helpers over resolved layers: visit every node, find one by id, or find the innermost at a position. */
import type { LayerNode, ModelFile } from './types';

/** Every node, depth first (a residual node before its body). */
export function* walkLayers(layers: LayerNode[]): Generator<LayerNode> {
  for (const n of layers) {
    yield n;
    if (n.body) yield* walkLayers(n.body);
  }
}

export function findLayer(model: ModelFile, id: string): LayerNode | undefined {
  for (const n of walkLayers(model.layers)) if (n.id === id) return n;
  return undefined;
}

/**
 * The innermost layer whose range contains 1-based `line`:`col` (the first repetition of a
 * repeated block, which shares its template's range).
 */
export function layerAt(model: ModelFile, line: number, col: number): LayerNode | undefined {
  let best: LayerNode | undefined;
  const inside = (n: LayerNode): boolean => {
    const r = n.range;
    if (line < r.line || line > r.endLine) return false;
    if (line === r.line && col < r.col) return false;
    return !(line === r.endLine && col > r.endCol);
  };
  const visit = (nodes: LayerNode[]): void => {
    for (const n of nodes) {
      if (!inside(n)) continue;
      best = n;
      if (n.body) visit(n.body);
      return;
    }
  };
  visit(model.layers);
  return best;
}
