/**
 * Applying a pruning plan: the physically smaller model file and its weights.
 *
 * For every group of the plan, the producer keeps its kernel columns and bias entries of the kept channels, each
 * coupled batchNorm keeps their gamma/beta/movingMean/movingVariance entries, and the consumer keeps their input
 * rows (after a flatten, the rows (h·W + w)·C + c). Top-level layers and layers of residual bodies alike; other
 * arrays of a sliced layer (a stabilizer's spectral-norm vectors) no longer fit and are dropped.
 *
 * The model file keeps its other sections (and their comments); `model.layers` is written from the resolved
 * layers, and `prune:`, `route:`, `modularity:` and `model.modelJson` go (the result is a plain model). A repeated
 * residual block stays one `repeat:` entry when its repetitions still agree; when the plan leaves them with
 * different widths, they are written one entry each (the first keeps its id, repetition k becomes
 * `<name>_k[0]`) and the weights follow their new ids (`renamed`).
 *
 * Head groups (`headGroups`, keyed by the attention layer's id like any group): the attention layer keeps the
 * columns of its kept heads in its q, k, v kernels and biases and the same rows of its output kernel (output bias
 * unchanged), and is written with `heads: <kept>` and `headDim: <the same width>`. A head group that keeps every
 * head leaves the layer as it is.
 */
import { isMap, parseDocument, type Document, type Node as YamlNode, type YAMLMap } from 'yaml';
import { attentionInner } from '../../spec/layers/attention';
import { layerKind, type SimpleLayerType } from '../../spec/layers/registry';
import { loadModelText } from '../../spec/parse';
import type { LayerNode, ModelFile } from '../../spec/types';
import { walkLayers } from '../../spec/walk';
import type { NamedArray } from '../store/checkpoint';
import type { ExtractResult } from '../modularity/extract';
import { groupPaths, headColumns, headGroups, isWeightLayer, label, lastDim, notPrunable, spread } from './structure';
import type { PruningPlan } from './types';

/** The pruned model; the shape of `ExtractResult`, so `writeExport` writes it as a tfjs export. */
export interface PruneResult extends ExtractResult {
  /** Group id -> channels removed (groups of the plan only). */
  removed: Record<string, number>;
  /** Source layer id -> its id in the pruned file, for layers whose id changed (unrolled repeated blocks). */
  renamed: Record<string, string>;
}

/** Per-channel arrays of a batchNorm. */
const NORM_ROLES = ['gamma', 'beta', 'movingMean', 'movingVariance'];

/**
 * `model` without the channels `plan` does not keep. `sourceText`: the model file's text; `weights`: every array
 * of the model (`<layer id>/<role>`). Throws an Error naming the layer for an unknown or not prunable group, an
 * empty or malformed kept list, or weights that do not fit.
 */
export function applyPlan(model: ModelFile, sourceText: string, weights: NamedArray[], plan: PruningPlan): PruneResult {
  const paths = groupPaths(model);
  const heads = new Map(headGroups(model).map((g) => [g.id, g]));
  const headKeep = new Map<string, { kept: number[]; headDim: number }>(); // attention -> kept heads
  const outKeep = new Map<string, number[]>(); // dense/conv2d -> kept output columns
  const inKeep = new Map<string, number[]>(); // dense/conv2d -> kept input rows
  const normKeep = new Map<string, number[]>(); // batchNorm -> kept entries
  const removed: Record<string, number> = {};
  for (const [id, kept] of plan) {
    const path = paths.get(id);
    const headGroup = heads.get(id);
    if (!path && !headGroup) throw unknownGroup(model, id);
    const group = path?.group ?? headGroup!;
    const what = path ? label(path.producer) : `the heads of attention layer '${id}'`;
    if (kept.length === 0) {
      throw new Error(`prune: the plan keeps no channel of ${what}, which would cut the model in two: keep at least one, or delete the layer from the model file`);
    }
    kept.forEach((k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= group.channels || (i > 0 && k <= kept[i - 1])) {
        throw new Error(`prune: the kept channels of ${what} must be sorted, distinct integers in [0, ${group.channels}); got [${kept.join(', ')}]`);
      }
    });
    removed[id] = group.channels - kept.length;
    if (!path) {
      if (kept.length < group.channels) headKeep.set(id, { kept, headDim: group.headDim! });
      continue;
    }
    outKeep.set(group.producer, kept);
    inKeep.set(group.consumer, spread(kept, group.channels, group.consumerPositions));
    for (const s of path.between) if (s.node.type === 'batchNorm') normKeep.set(s.node.id, spread(kept, group.channels, s.positionsIn));
  }

  const nodes = new Map([...walkLayers(model.layers)].map((n) => [n.id, n]));
  const sliced = new Map<string, NamedArray>();
  const touched = new Set([...outKeep.keys(), ...inKeep.keys(), ...normKeep.keys()]);
  for (const id of touched) {
    const arrays = normKeep.has(id) ? sliceNorm(nodes.get(id)!, weights, normKeep.get(id)!) : sliceLayer(nodes.get(id)!, weights, inKeep.get(id), outKeep.get(id));
    for (const a of arrays) sliced.set(a.name, a);
  }
  for (const [id, h] of headKeep) {
    for (const a of sliceHeads(nodes.get(id) as LayerNode<'attention'>, weights, h.kept, h.headDim)) sliced.set(a.name, a);
    touched.add(id);
  }
  const kept = weights.flatMap((w) => sliced.get(w.name) ?? (ownerOf(w.name, touched) !== undefined ? [] : [w]));

  const yaml = writePrunedYaml(sourceText, model, resize(model.layers, outKeep, headKeep));
  const out = loadModelText(yaml, model.file);
  const { weights: moved, renamed } = followIds(kept, model.layers, out.layers);
  checkShapes(out, moved);
  return { yaml, model: out, weights: moved, params: out.params, flops: out.flops, removed, renamed };
}

function unknownGroup(model: ModelFile, id: string): Error {
  const blocked = notPrunable(model).find((b) => b.layer === id);
  if (blocked) return new Error(`prune: the plan names '${id}', which cannot lose channels: ${blocked.reason}`);
  const groups = [...groupPaths(model).keys(), ...headGroups(model).map((g) => `${g.id} (heads)`)].join(', ');
  return new Error(`prune: the plan names '${id}', which is not a prunable group of ${model.file} (groups: ${groups || 'none'})`);
}

// ---------------------------------------------------------------- weights

function find(weights: NamedArray[], layer: LayerNode, role: string): NamedArray | undefined {
  return weights.find((w) => w.name === `${layer.id}/${role}`);
}

/** `layer`'s kernel (and bias) restricted to input rows `rows` and output columns `cols` (undefined: all). */
function sliceLayer(layer: LayerNode, weights: NamedArray[], rows: number[] | undefined, cols: number[] | undefined): NamedArray[] {
  const kernel = find(weights, layer, 'kernel');
  if (!kernel) throw new Error(`prune: the weights have no '${layer.id}/kernel' for ${label(layer)}: pass the weights of this model`);
  const s = kernel.shape;
  const [inDim, outDim] = [s[s.length - 2], s[s.length - 1]];
  if (inDim !== lastDim(layer.inputShape) || outDim !== lastDim(layer.outputShape)) {
    throw new Error(`prune: '${kernel.name}' has shape [${s.join(', ')}], which does not fit ${label(layer)}: pass the weights of this model`);
  }
  const outer = s.slice(0, -2).reduce((a, b) => a * b, 1);
  const r = rows ?? range(inDim);
  const c = cols ?? range(outDim);
  const data = new Float32Array(outer * r.length * c.length);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (const i of r) {
      const base = (o * inDim + i) * outDim;
      for (const j of c) data[k++] = kernel.data[base + j];
    }
  }
  const out: NamedArray[] = [{ name: kernel.name, shape: [...s.slice(0, -2), r.length, c.length], dtype: 'float32', data }];
  const bias = find(weights, layer, 'bias');
  if (bias) out.push({ ...bias, shape: [c.length], data: Float32Array.from(c, (j) => bias.data[j]) });
  return out;
}

/** An attention layer's arrays for the heads `kept` (each `headDim` wide): q, k, v columns, output kernel rows. */
function sliceHeads(layer: LayerNode<'attention'>, weights: NamedArray[], kept: number[], headDim: number): NamedArray[] {
  const d = lastDim(layer.inputShape);
  const inner = layer.config.heads * headDim;
  const cols = headColumns(kept, headDim);
  const get = (role: string, shape: number[]): NamedArray => {
    const a = find(weights, layer, role);
    if (!a || a.shape.join('x') !== shape.join('x')) {
      throw new Error(`prune: the weights have no [${shape.join(', ')}] '${layer.id}/${role}' for ${label(layer)}: pass the weights of this model`);
    }
    return a;
  };
  const out: NamedArray[] = [];
  for (const p of ['query', 'key', 'value']) {
    const k = get(`${p}Kernel`, [d, inner]);
    const data = new Float32Array(d * cols.length);
    for (let i = 0; i < d; i++) cols.forEach((c, j) => { data[i * cols.length + j] = k.data[i * inner + c]; });
    out.push({ ...k, shape: [d, cols.length], data });
    const b = get(`${p}Bias`, [inner]);
    out.push({ ...b, shape: [cols.length], data: Float32Array.from(cols, (c) => b.data[c]) });
  }
  const o = get('outputKernel', [inner, d]);
  const data = new Float32Array(cols.length * d);
  cols.forEach((c, j) => data.set(o.data.subarray(c * d, (c + 1) * d), j * d));
  out.push({ ...o, shape: [cols.length, d], data });
  out.push(get('outputBias', [d]));
  return out;
}

/** A batchNorm's per-channel arrays at the entries `keep`. */
function sliceNorm(layer: LayerNode, weights: NamedArray[], keep: number[]): NamedArray[] {
  return NORM_ROLES.map((role) => {
    const a = find(weights, layer, role);
    if (!a || a.shape.length !== 1 || a.shape[0] !== lastDim(layer.inputShape)) {
      throw new Error(`prune: the weights have no ${lastDim(layer.inputShape)}-entry '${layer.id}/${role}' for ${label(layer)}: pass the weights of this model`);
    }
    return { ...a, shape: [keep.length], data: Float32Array.from(keep, (j) => a.data[j]) };
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The layer id in `ids` that the array `name` belongs to (`<id>/<role>`). */
function ownerOf(name: string, ids: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const id of ids) if (name.startsWith(`${id}/`) && (best === undefined || id.length > best.length)) best = id;
  return best;
}

/** Arrays of layers whose id changed follow them (layers correspond in walk order). */
function followIds(weights: NamedArray[], before: LayerNode[], after: LayerNode[]): { weights: NamedArray[]; renamed: Record<string, string> } {
  const a = [...walkLayers(before)];
  const b = [...walkLayers(after)];
  if (a.length !== b.length || a.some((n, i) => n.type !== b[i].type)) {
    throw new Error('prune: internal error: the written model file does not have the layers of the source model');
  }
  const moved = new Map(a.map((n, i): [string, string] => [n.id, b[i].id]).filter(([x, y]) => x !== y));
  const renamed = Object.fromEntries(moved);
  if (moved.size === 0) return { weights, renamed };
  // Only simple layers own arrays; a residual id is a prefix of its body's ids but owns nothing itself.
  const owners = [...moved.keys()].filter((id) => a.find((n) => n.id === id)!.type !== 'residual');
  return {
    renamed,
    weights: weights.map((w) => {
      const owner = ownerOf(w.name, owners);
      return owner === undefined ? w : { ...w, name: moved.get(owner)! + w.name.slice(owner.length) };
    }),
  };
}

/** Every array of a dense/conv2d/batchNorm layer must fit the written model (guards the slicing). */
function checkShapes(model: ModelFile, weights: NamedArray[]): void {
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const n of walkLayers(model.layers)) {
    const expect: Array<[string, number[]]> = [];
    if (isWeightLayer(n)) {
      const k = (n.config as { kernelSize?: [number, number] }).kernelSize ?? [];
      expect.push(['kernel', [...k, lastDim(n.inputShape), lastDim(n.outputShape)]]);
      if (n.config.useBias) expect.push(['bias', [lastDim(n.outputShape)]]);
    } else if (n.type === 'batchNorm') {
      for (const role of NORM_ROLES) expect.push([role, [lastDim(n.inputShape)]]);
    } else if (n.type === 'attention') {
      const d = lastDim(n.inputShape);
      const inner = attentionInner(d, (n as LayerNode<'attention'>).config);
      for (const p of ['query', 'key', 'value']) expect.push([`${p}Kernel`, [d, inner]], [`${p}Bias`, [inner]]);
      expect.push(['outputKernel', [inner, d]], ['outputBias', [d]]);
    }
    for (const [role, shape] of expect) {
      const w = byName.get(`${n.id}/${role}`);
      if (w && w.shape.join('x') !== shape.join('x')) {
        throw new Error(`prune: internal error: '${w.name}' has shape [${w.shape.join(', ')}], the pruned ${label(n)} needs [${shape.join(', ')}]`);
      }
    }
  }
}

// ---------------------------------------------------------------- model file

function resize(layers: LayerNode[], outKeep: Map<string, number[]>, headKeep: Map<string, { kept: number[]; headDim: number }>): LayerNode[] {
  return layers.map((n) => {
    if (n.body) return { ...n, body: resize(n.body, outKeep, headKeep) };
    const h = headKeep.get(n.id);
    if (h) return { ...n, config: { ...n.config, heads: h.kept.length, headDim: h.headDim } as LayerNode['config'] };
    const kept = outKeep.get(n.id);
    if (!kept) return n;
    const key = n.type === 'conv2d' ? 'filters' : 'units';
    return { ...n, config: { ...n.config, [key]: kept.length } as LayerNode['config'] };
  });
}

/** `sourceText` with `model.layers` written from `layers`; `prune:`, `route:`, `modularity:`, `modelJson` gone. */
export function writePrunedYaml(sourceText: string, model: ModelFile, layers: LayerNode[]): string {
  const doc = parseDocument(sourceText);
  if (doc.errors.length > 0) throw new Error(`prune: ${model.file} does not parse as YAML: ${doc.errors[0].message}`);
  for (const key of ['prune', 'route', 'modularity']) doc.delete(key);
  const section = doc.get('model', true);
  if (!isMap(section)) throw new Error(`prune: ${model.file} has no 'model:' mapping`);
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
