/**
 * The exact FLOP and parameter count of a model with fewer channels in some groups: the layers are rewritten
 * with the new unit/filter counts and the model file is re-parsed, so the count is the spec's own (the same
 * numbers `dynaxx check` prints). Used by the schedules to meet a FLOP target.
 */
import { loadModelText } from '../../spec';
import type { LayerNode, ModelFile } from '../../spec/types';
import { writePrunedYaml } from '../surgery/model-file';

/** `layers` with each producer in `counts` resized to that many channels (residual bodies included). */
export function resized(layers: LayerNode[], counts: Map<string, number>): LayerNode[] {
  return layers.map((n) => {
    let out = n;
    const c = counts.get(n.id);
    if (c !== undefined && (n.type === 'dense' || n.type === 'conv2d')) {
      const key = n.type === 'conv2d' ? 'filters' : 'units';
      out = { ...n, config: { ...n.config, [key]: c } as LayerNode['config'] };
    }
    if (n.body) out = { ...out, body: resized(n.body, counts) };
    return out;
  });
}

/** A counter for `model`: (channels kept per group id) → { flops, params } of the pruned model. */
export function sizeCounter(model: ModelFile, sourceText: string): (counts: Map<string, number>) => { flops: number; params: number } {
  const cache = new Map<string, { flops: number; params: number }>();
  return (counts) => {
    const key = [...counts].map(([k, v]) => `${k}=${v}`).join(',');
    const hit = cache.get(key);
    if (hit) return hit;
    const m = loadModelText(writePrunedYaml(sourceText, model, resized(model.layers, counts)), model.file);
    const r = { flops: m.flops, params: m.params };
    cache.set(key, r);
    return r;
  };
}
