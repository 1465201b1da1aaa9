/**
 * Extraction: physically removes the units that emergent modularity masked out, giving a smaller plain model.
 *
 * A kept unit of a modular layer L (top-level dense/conv2d, units = last axis) keeps its kernel column and bias
 * entry; a removed unit's output is exactly 0 after its mask, so the matching input rows of the next weight
 * layer N (dense or conv2d) can go too. Between L and N only layers that act per unit and keep 0 at 0 may sit:
 * dropout, pooling, flatten (which spreads a channel c over the rows (h·W + w)·C + c) and activations with
 * f(0) = 0 (the same sets `spec/modularity-spec.ts` checks the file against). Anything else throws, naming the
 * layer and what to do. The removal itself is the pruning one (`trainer/pruning/apply.ts`: a kept-units list is a
 * pruning plan): the model file is written back with its other sections as they are, `model.layers` serialised
 * from the resolved layers (over-parameterised sizes, minus the removed units) and no `modularity:`, `prune:` or
 * `route:`. `writeExport`/`readExport` store a model in tfjs format (also used for pruned models).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PASS_THROUGH, ZERO_PRESERVING } from '../../spec/modularity-spec';
import { walkLayers } from '../../spec/walk';
import type { LayerNode, ModelFile } from '../../spec/types';
import { fsyncDir, tempPathFor, writeDurable } from '../store/atomic';
import type { NamedArray } from '../store/checkpoint';
import { crc32c } from '../store/crc32c';
import { applyPlan } from '../pruning/apply';

export interface ExtractResult {
  /** The complete model file of the smaller model. */
  yaml: string;
  /** `yaml` parsed (same file path as the source model). */
  model: ModelFile;
  /** The source weights with the cut layers sliced (and renamed, should an id have changed). */
  weights: NamedArray[];
  params: number;
  flops: number;
  /** Layer id -> units removed. */
  removed: Record<string, number>;
}

/** One cut: the kept units of `layer` and the kept input rows of `next`, the weight layer its output feeds. */
interface Cut { layer: LayerNode; kept: number[]; next: LayerNode; rows: number[] }

/**
 * The model without the units `keep` does not list. `keep`: top-level dense/conv2d layer id -> its kept output
 * units, sorted. Throws an Error naming the layer when a cut is not exact (see the file comment).
 */
export function extractModel(model: ModelFile, sourceText: string, weights: NamedArray[], keep: Map<string, number[]>): ExtractResult {
  const cuts = [...keep].map(([id, kept]) => planCut(model, id, kept));
  // the physical removal is the pruning one (trainer/pruning/apply.ts): a kept-units list is a pruning plan
  const r = applyPlan(model, sourceText, weights, new Map(cuts.map((c) => [c.layer.id, c.kept])));
  return { yaml: r.yaml, model: r.model, weights: r.weights, params: r.params, flops: r.flops, removed: r.removed };
}

// ---------------------------------------------------------------- planning

function planCut(model: ModelFile, id: string, kept: number[]): Cut {
  const index = model.layers.findIndex((n) => n.id === id);
  if (index < 0) {
    const nested = [...walkLayers(model.layers)].find((n) => n.id === id);
    if (nested) throw new Error(`extract: ${label(nested)} is inside a residual block; only top-level dense and conv2d layers can lose units: take it out of the modular layers`);
    const ids = model.layers.filter(isWeightLayer).map((n) => n.id).join(', ');
    throw new Error(`extract: ${model.file} has no layer with id '${id}'; the modular layers must be top-level dense or conv2d layers (here: ${ids || 'none'})`);
  }
  const layer = model.layers[index];
  if (!isWeightLayer(layer)) throw new Error(`extract: ${label(layer)} is not a dense or conv2d layer, so it has no units to remove: take it out of the modular layers`);
  const units = lastDim(layer.outputShape);
  if (kept.length === 0) throw new Error(`extract: every unit of ${label(layer)} is masked out, which would cut the model in two: keep at least one unit, or delete the layer from the model file`);
  kept.forEach((k, i) => {
    if (!Number.isInteger(k) || k < 0 || k >= units || (i > 0 && k <= kept[i - 1])) {
      throw new Error(`extract: the kept units of ${label(layer)} must be sorted, distinct integers in [0, ${units}); got [${kept.join(', ')}]`);
    }
  });
  if (index === model.layers.length - 1) throw new Error(`extract: ${label(layer)} is the model's output (the logits): its units are the classes and cannot be removed; take it out of the modular layers`);
  let rows = kept;
  let width = units;
  for (let j = index + 1; j < model.layers.length; j++) {
    const n = model.layers[j];
    if (isWeightLayer(n)) return { layer, kept, next: n, rows };
    const why = blocker(n);
    if (why) {
      throw new Error(`extract: cannot remove units of ${label(layer)}: its output reaches ${label(n)} before the next dense/conv2d layer, and ${why}. ` +
        'Only dropout, pooling, flatten and activations with f(0) = 0 may sit in between: move that layer, or take ' +
        `'${layer.id}' out of the modular layers`);
    }
    if (n.type === 'flatten') {
      const positions = n.inputShape.slice(0, -1).reduce((a, b) => a * b, 1);
      const spread: number[] = [];
      for (let p = 0; p < positions; p++) for (const c of rows) spread.push(p * width + c);
      rows = spread;
      width *= positions;
    }
  }
  throw new Error(`extract: ${label(layer)} feeds the model's output (the logits) with no dense or conv2d layer after it: its units cannot be removed; take it out of the modular layers`);
}

/** Why a removed unit would not stay an exact, separate 0 through `n`; undefined when it does. */
function blocker(n: LayerNode): string | undefined {
  if (!PASS_THROUGH.has(n.type)) return `${n.type} ${n.body ? 'has a body of its own' : 'mixes or shifts the units'}`;
  if (n.type !== 'activation') return undefined;
  const f = (n as LayerNode<'activation'>).config.activation;
  return ZERO_PRESERVING.has(f) ? undefined : `${f}(0) is not 0 (a removed unit would still feed the next layer)`;
}

function isWeightLayer(n: LayerNode): n is LayerNode<'dense'> | LayerNode<'conv2d'> {
  return n.type === 'dense' || n.type === 'conv2d';
}

/** `dense layer 'hidden' (id hidden)`, or `dense layer layers[2] (unnamed)`. */
function label(n: LayerNode): string {
  const segment = n.id.slice(n.id.lastIndexOf('.') + 1);
  return /^layers\[\d+\]$/.test(segment) ? `${n.type} layer ${n.id} (unnamed)` : `${n.type} layer '${segment}' (id ${n.id})`;
}

const lastDim = (s: number[]): number => s[s.length - 1];

// ---------------------------------------------------------------- weights







// ---------------------------------------------------------------- files

export const EXPORT_MODEL_FILE = 'model.dynaxx.yaml';

/** `model.json` of an export: a tfjs weights manifest for `weights.bin` (little-endian), like a checkpoint's. */
export interface ExportManifest {
  format: 'dynaxx-export';
  formatVersion: 1;
  generatedBy: string;
  createdAt: string;
  modelFile: string;
  params: number;
  flops: number;
  removed: Record<string, number>;
  weightsManifest: [{ paths: ['weights.bin']; weights: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32' }> }];
  files: Record<string, { bytes: number; crc32c: number }>;
}

/**
 * Writes `dir` with `model.dynaxx.yaml`, `model.json` and `weights.bin`: built under a temp name beside it and
 * renamed into place, so `dir` is either the previous export or the complete new one.
 */
export function writeExport(dir: string, result: ExtractResult): void {
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  fs.mkdirSync(tmp);
  try {
    const bytes = Buffer.concat(result.weights.map((w) => littleEndian(w)));
    const manifest: ExportManifest = {
      format: 'dynaxx-export',
      formatVersion: 1,
      generatedBy: 'dynaxx-workbench',
      createdAt: new Date().toISOString(),
      modelFile: EXPORT_MODEL_FILE,
      params: result.params,
      flops: result.flops,
      removed: result.removed,
      weightsManifest: [{ paths: ['weights.bin'], weights: result.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype })) }],
      files: { 'weights.bin': { bytes: bytes.length, crc32c: crc32c(bytes) } },
    };
    writeDurable(path.join(tmp, 'weights.bin'), bytes);
    writeDurable(path.join(tmp, EXPORT_MODEL_FILE), Buffer.from(result.yaml, 'utf8'));
    writeDurable(path.join(tmp, 'model.json'), Buffer.from(JSON.stringify(manifest, null, 1) + '\n'));
    fsyncDir(tmp);
    if (fs.existsSync(target)) {
      const aside = tempPathFor(target);
      fs.renameSync(target, aside);
      fs.renameSync(tmp, target);
      fs.rmSync(aside, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target);
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncDir(path.dirname(target));
}

/** Reads an export written by `writeExport`: the model file's text and the weights (size and CRC checked). */
export function readExport(dir: string): { yaml: string; weights: NamedArray[]; manifest: ExportManifest } {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ExportManifest;
  if (manifest.format !== 'dynaxx-export') throw new Error(`${dir}/model.json has format '${String(manifest.format)}', expected 'dynaxx-export'`);
  const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
  const sum = manifest.files['weights.bin'];
  if (!sum || sum.bytes !== bytes.length || sum.crc32c !== crc32c(bytes)) throw new Error(`${dir}/weights.bin fails its size or CRC-32C check`);
  let offset = 0;
  const weights = manifest.weightsManifest[0].weights.map((w): NamedArray => {
    const size = w.shape.reduce((a, b) => a * b, 1);
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size * 4);
    const data = w.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
    for (let i = 0; i < size; i++) data[i] = w.dtype === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
    offset += size * 4;
    return { name: w.name, shape: [...w.shape], dtype: w.dtype, data };
  });
  return { yaml: fs.readFileSync(path.join(dir, manifest.modelFile), 'utf8'), weights, manifest };
}

function littleEndian(w: NamedArray): Buffer {
  const out = Buffer.alloc(w.data.length * 4);
  for (let i = 0; i < w.data.length; i++) {
    if (w.dtype === 'float32') out.writeFloatLE(w.data[i], i * 4);
    else out.writeInt32LE(w.data[i], i * 4);
  }
  return out;
}

