/**
 * Unit removal: the physically smaller model file and its weights, given the units each cut keeps. Pruning (a
 * plan over its channel groups) and modularity extraction (the units of the kept subnetworks) both end here.
 *
 * A unit cut keeps the producer's kernel columns and bias entries of the kept units, each batchNorm on the path
 * keeps their gamma/beta/movingMean/movingVariance entries, and the consumer keeps their input rows (after a
 * flatten, the rows (h·W + w)·C + c). Top-level layers and layers of residual bodies alike; other arrays of a
 * sliced layer (a stabilizer's spectral-norm vectors) no longer fit and are dropped. A head cut keeps the columns
 * of the kept heads in an attention layer's q, k, v kernels and biases and the same rows of its output kernel
 * (output bias unchanged); the layer is written with `heads: <kept>` and `headDim: <the same width>`, and a head
 * cut that keeps every head leaves it as it is.
 *
 * The model file is written by `writePrunedYaml`; when unrolling a repeated block changes layer ids, the weights
 * follow their new ids (`renamed`).
 */
import { attentionInner } from '../../spec/layers/attention';
import { loadModelText } from '../../spec/parse';
import type { LayerNode, ModelFile } from '../../spec/types';
import { walkLayers } from '../../spec/walk';
import type { NamedArray } from '../store/checkpoint';
import { isWeightLayer, label, lastDim, spread, type UnitPath } from './layers';
import { writePrunedYaml } from './model-file';
import { NORM_ROLES, sliceHeads, sliceLayer, sliceNorm } from './slice';

/** Keep the output units `kept` of `path.producer` (sorted, distinct, at least one), and what goes with them. */
export interface UnitCut {
  kind: 'units';
  path: UnitPath;
  kept: number[];
}

/** Keep the heads `kept` of an attention layer, each `headDim` columns wide. */
export interface HeadCut {
  kind: 'heads';
  layer: LayerNode<'attention'>;
  kept: number[];
  headDim: number;
}

export type Cut = UnitCut | HeadCut;

/** The smaller model. */
export interface SurgeryResult {
  /** The complete model file of the smaller model. */
  yaml: string;
  /** `yaml` parsed (same file path as the source model). */
  model: ModelFile;
  /** The source weights with the cut layers sliced (and renamed, should an id have changed). */
  weights: NamedArray[];
  params: number;
  flops: number;
  /** Producer (or attention layer) id -> units (heads) removed, in the order of the cuts. */
  removed: Record<string, number>;
  /** Source layer id -> its id in the smaller file, for layers whose id changed (unrolled repeated blocks). */
  renamed: Record<string, string>;
}

/**
 * `model` without the units the cuts do not keep. `sourceText`: the model file's text; `weights`: every array of
 * the model (`<layer id>/<role>`). The callers check the kept lists (in their own words); weights that do not fit
 * throw, naming the layer, with `who` (`prune`, `extract`) first.
 */
export function removeUnits(model: ModelFile, sourceText: string, weights: NamedArray[], cuts: Cut[], who: string): SurgeryResult {
  const headKeep = new Map<string, { kept: number[]; headDim: number }>(); // attention -> kept heads
  const outKeep = new Map<string, number[]>(); // dense/conv2d -> kept output columns
  const inKeep = new Map<string, number[]>(); // dense/conv2d -> kept input rows
  const normKeep = new Map<string, number[]>(); // batchNorm -> kept entries
  const removed: Record<string, number> = {};
  for (const cut of cuts) {
    if (cut.kind === 'heads') {
      removed[cut.layer.id] = cut.layer.config.heads - cut.kept.length;
      if (cut.kept.length < cut.layer.config.heads) headKeep.set(cut.layer.id, { kept: cut.kept, headDim: cut.headDim });
      continue;
    }
    const { producer, between, consumer, positions } = cut.path;
    const channels = lastDim(producer.outputShape);
    removed[producer.id] = channels - cut.kept.length;
    outKeep.set(producer.id, cut.kept);
    inKeep.set(consumer.id, spread(cut.kept, channels, positions));
    for (const s of between) if (s.node.type === 'batchNorm') normKeep.set(s.node.id, spread(cut.kept, channels, s.positionsIn));
  }

  const nodes = new Map([...walkLayers(model.layers)].map((n) => [n.id, n]));
  const sliced = new Map<string, NamedArray>();
  const touched = new Set([...outKeep.keys(), ...inKeep.keys(), ...normKeep.keys()]);
  for (const id of touched) {
    const arrays = normKeep.has(id)
      ? sliceNorm(who, nodes.get(id)!, weights, normKeep.get(id)!)
      : sliceLayer(who, nodes.get(id)!, weights, inKeep.get(id), outKeep.get(id));
    for (const a of arrays) sliced.set(a.name, a);
  }
  for (const [id, h] of headKeep) {
    for (const a of sliceHeads(who, nodes.get(id) as LayerNode<'attention'>, weights, h.kept, h.headDim)) sliced.set(a.name, a);
    touched.add(id);
  }
  const kept = weights.flatMap((w) => sliced.get(w.name) ?? (ownerOf(w.name, touched) !== undefined ? [] : [w]));

  const yaml = writePrunedYaml(sourceText, model, resize(model.layers, outKeep, headKeep), who);
  const out = loadModelText(yaml, model.file);
  const { weights: moved, renamed } = followIds(who, kept, model.layers, out.layers);
  checkShapes(who, out, moved);
  return { yaml, model: out, weights: moved, params: out.params, flops: out.flops, removed, renamed };
}

/** The layer id in `ids` that the array `name` belongs to (`<id>/<role>`). */
function ownerOf(name: string, ids: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const id of ids) if (name.startsWith(`${id}/`) && (best === undefined || id.length > best.length)) best = id;
  return best;
}

/** Arrays of layers whose id changed follow them (layers correspond in walk order). */
function followIds(who: string, weights: NamedArray[], before: LayerNode[], after: LayerNode[]): { weights: NamedArray[]; renamed: Record<string, string> } {
  const a = [...walkLayers(before)];
  const b = [...walkLayers(after)];
  if (a.length !== b.length || a.some((n, i) => n.type !== b[i].type)) {
    throw new Error(`${who}: internal error: the written model file does not have the layers of the source model`);
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

/** Every array of a dense/conv2d/batchNorm/attention layer must fit the written model (guards the slicing). */
function checkShapes(who: string, model: ModelFile, weights: NamedArray[]): void {
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
        throw new Error(`${who}: internal error: '${w.name}' has shape [${w.shape.join(', ')}], the smaller ${label(n)} needs [${shape.join(', ')}]`);
      }
    }
  }
}

/** The resolved layers with the kept widths (units/filters, heads). */
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
