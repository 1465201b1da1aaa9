/**
 * Slicing a layer's arrays down to the units it keeps (host arrays, `<layer id>/<role>`): a dense/conv2d kernel
 * to some input rows and output columns (its bias with the columns), a batchNorm's per-channel arrays to some
 * entries, an attention layer to some heads. Arrays that do not fit the layer throw, naming it; `who` starts the
 * message (`prune`, `extract`).
 */
import type { LayerNode } from '../../spec/types';
import type { NamedArray } from '../store/checkpoint';
import { headColumns, label, lastDim } from './layers';

/** Per-channel arrays of a batchNorm. */
export const NORM_ROLES = ['gamma', 'beta', 'movingMean', 'movingVariance'];

function find(weights: NamedArray[], layer: LayerNode, role: string): NamedArray | undefined {
  return weights.find((w) => w.name === `${layer.id}/${role}`);
}

/** `layer`'s kernel (and bias) restricted to input rows `rows` and output columns `cols` (undefined: all). */
export function sliceLayer(who: string, layer: LayerNode, weights: NamedArray[], rows: number[] | undefined, cols: number[] | undefined): NamedArray[] {
  const kernel = find(weights, layer, 'kernel');
  if (!kernel) throw new Error(`${who}: the weights have no '${layer.id}/kernel' for ${label(layer)}: pass the weights of this model`);
  const s = kernel.shape;
  const [inDim, outDim] = [s[s.length - 2], s[s.length - 1]];
  if (inDim !== lastDim(layer.inputShape) || outDim !== lastDim(layer.outputShape)) {
    throw new Error(`${who}: '${kernel.name}' has shape [${s.join(', ')}], which does not fit ${label(layer)}: pass the weights of this model`);
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
export function sliceHeads(who: string, layer: LayerNode<'attention'>, weights: NamedArray[], kept: number[], headDim: number): NamedArray[] {
  const d = lastDim(layer.inputShape);
  const inner = layer.config.heads * headDim;
  const cols = headColumns(kept, headDim);
  const get = (role: string, shape: number[]): NamedArray => {
    const a = find(weights, layer, role);
    if (!a || a.shape.join('x') !== shape.join('x')) {
      throw new Error(`${who}: the weights have no [${shape.join(', ')}] '${layer.id}/${role}' for ${label(layer)}: pass the weights of this model`);
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
export function sliceNorm(who: string, layer: LayerNode, weights: NamedArray[], keep: number[]): NamedArray[] {
  return NORM_ROLES.map((role) => {
    const a = find(weights, layer, role);
    if (!a || a.shape.length !== 1 || a.shape[0] !== lastDim(layer.inputShape)) {
      throw new Error(`${who}: the weights have no ${lastDim(layer.inputShape)}-entry '${layer.id}/${role}' for ${label(layer)}: pass the weights of this model`);
    }
    return { ...a, shape: [keep.length], data: Float32Array.from(keep, (j) => a.data[j]) };
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
