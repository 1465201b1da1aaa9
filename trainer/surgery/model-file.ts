/**
 * Writing a resized model back as a model file: the source text keeps its other sections (and their comments);
 * `model.layers` is written from the resolved layers (every config field spelled out), and `prune:`, `route:`,
 * `modularity:` and `model.modelJson` go, so the result is a plain model. A repeated residual block stays one
 * `repeat:` entry when its repetitions still agree; otherwise they are written one entry each (the first keeps
 * its id, repetition k of block `b` becomes `b_k`).
 */
import { isMap, parseDocument, type Document, type Node as YamlNode, type YAMLMap } from 'yaml';
import { layerKind, type SimpleLayerType } from '../../spec/layers/registry';
import type { LayerNode, ModelFile } from '../../spec/types';
import { walkLayers } from '../../spec/walk';

/** `sourceText` with `model.layers` written from `layers`; `prune:`, `route:`, `modularity:`, `modelJson` gone. */
export function writePrunedYaml(sourceText: string, model: ModelFile, layers: LayerNode[], who = 'prune'): string {
  const doc = parseDocument(sourceText);
  if (doc.errors.length > 0) throw new Error(`${who}: ${model.file} does not parse as YAML: ${doc.errors[0].message}`);
  for (const key of ['prune', 'route', 'modularity']) doc.delete(key);
  const section = doc.get('model', true);
  if (!isMap(section)) throw new Error(`${who}: ${model.file} has no 'model:' mapping`);
  section.delete('modelJson');
  if (!section.has('input')) section.set('input', flow(doc.createNode([...model.inputShape])));
  section.set('layers', layersNode(doc, entries(layers)));
  return doc.toString({ lineWidth: 0 });
}

type Entry = Record<string, unknown>;

/**
 * Resolved layers back to `layers:` entries (every config field written out), where the repetitions of a
 * residual block fold back into one `repeat:` entry only when their bodies still agree. Otherwise repetition k > 0
 * of a block named `b` is written as its own block `b_k` (an unnamed one stays unnamed); unnamed layers after it
 * then move one position on, and with them their positional ids (names cannot hold brackets).
 */
function entries(layers: LayerNode[], prefix = '', taken = segments(layers)): Entry[] {
  const out: Entry[] = [];
  const named = (segment: string): Entry => (/^layers\[\d+\]$/.test(segment) ? {} : { name: segment });
  for (let i = 0; i < layers.length; i++) {
    const n = layers[i];
    if (n.type !== 'residual') {
      const kind = layerKind(n.type as SimpleLayerType);
      const config = n.config as unknown as Record<string, unknown>;
      const fields: Entry = {};
      for (const key of Object.keys(kind.fields)) if (config[key] !== undefined) fields[key] = config[key];
      out.push({ type: n.type, ...named(n.id.slice(prefix.length)), ...fields });
      continue;
    }
    const base = n.id.endsWith('[0]') ? n.id.slice(0, -3) : n.id;
    const reps = [n];
    while (layers[i + 1]?.type === 'residual' && layers[i + 1].id === `${base}[${reps.length}]`) reps.push(layers[++i]);
    const bodies = reps.map((r) => entries(r.body ?? [], `${r.id}.`, taken));
    const scale = (n.config as { scale: number }).scale;
    const segment = base.slice(prefix.length);
    if (bodies.every((b) => JSON.stringify(b) === JSON.stringify(bodies[0]))) {
      out.push({ type: 'residual', ...named(segment), ...(reps.length > 1 ? { repeat: reps.length } : {}), scale, layers: bodies[0] });
      continue;
    }
    const positional = /^layers\[\d+\]$/.test(segment);
    bodies.forEach((body, k) => {
      let name = k === 0 || positional ? segment : `${segment}_${k}`;
      if (k > 0 && !positional) while (taken.has(name)) name += '_';
      taken.add(name);
      out.push({ type: 'residual', ...named(name), scale, layers: body });
    });
  }
  return out;
}

/** Every id segment (layer name) used anywhere in `layers`. */
function segments(layers: LayerNode[]): Set<string> {
  return new Set([...walkLayers(layers)].flatMap((n) => n.id.split('.').map((s) => s.replace(/\[\d+\]$/, ''))));
}

/** A block list whose simple layers are one flow mapping per line: `- { type: dense, units: 10 }`. */
function layersNode(doc: Document, list: Entry[]): YamlNode {
  const seq = doc.createNode(list, { aliasDuplicateObjects: false });
  const style = (node: unknown): void => {
    if (!isMap(node)) return;
    const m = node as YAMLMap;
    const body = m.get('layers', true) as { items?: unknown[] } | undefined;
    if (body?.items) body.items.forEach(style);
    else m.flow = true;
  };
  (seq as unknown as { items: unknown[] }).items.forEach(style);
  return seq;
}

function flow(node: YamlNode): YamlNode {
  (node as { flow?: boolean }).flow = true;
  return node;
}
