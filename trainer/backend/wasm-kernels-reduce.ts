/**
 * Sum over leading axes on the wasm backend (a conv's or dense layer's bias gradient sums [N, H, W, C] over N, H and W):
 * tfjs-backend-wasm transposes the reduced axes innermost first, a full copy, then sums. This adds the rows into the
 * output in one SIMD pass (wasm-kernels-simd.ts), about 5× faster on [64, 28, 28, 32]; rows of a width that is not a
 * multiple of 4 are added in JS. Rows are added in order in float32, as a row-by-row sum would. Other sums, and
 * non-float32 ones, go to the original kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { f32, replaceWasmKernel, type KernelArgs, type KernelFn, type WasmBackendLike } from './wasm-kernels-heap';
import { Fn, heapMemory, instantiate, OP, T } from './wasm-kernels-simd';

/** colsum(x, out, rows, rowBytes): out[c] += x[r, c] for every row r; rowBytes a multiple of 16. */
function colsumFn(): Fn {
  const f = new Fn('colsum', [['x', T.i32], ['out', T.i32], ['rows', T.i32], ['rowBytes', T.i32]]).local('p', T.i32).local('pend', T.i32).local('c', T.i32);
  f.get('x').get('rows', 'rowBytes').op(OP.i32Mul, OP.i32Add).set('pend');
  f.get('x').set('p');
  return f.while('p', 'pend', 'rowBytes', (b) => {
    b.i32(0).set('c').while('c', 'rowBytes', 16, (c) => {
      c.get('out', 'c').op(OP.i32Add).load('out', 'c').load('p', 'c').op(OP.f32x4Add, OP.v128Store);
    });
  });
}

/** The number of leading axes a Sum reduces, when it reduces exactly axes 0…k−1 with k < rank (else 0). */
function leadingAxes(shape: number[], axis: number | number[]): number {
  const axes = tf.util.parseAxisParam(axis, shape).sort((p, q) => p - q);
  if (axes.length === 0 || axes.length >= shape.length) return 0;
  return axes.every((ax, i) => ax === i) ? axes.length : 0;
}

function sumLeading(colsum: (...args: number[]) => void, args: KernelArgs, original: KernelFn): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const k = x.dtype === 'float32' ? leadingAxes(x.shape, axis) : 0;
  if (k === 0) return original(args);
  const rows = x.shape.slice(0, k).reduce((p, q) => p * q, 1);
  const rest = x.shape.slice(k);
  const cols = rest.reduce((p, q) => p * q, 1);
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest, 'float32');
  const dst = f32(backend, out);
  dst.fill(0);
  if (cols % 4 === 0) {
    const ptr = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    colsum(ptr(x), ptr(out), rows, cols * 4);
  } else {
    const src = f32(backend, x);
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) dst[c] += src[base + c]!;
    }
  }
  return out;
}

export function installSumLeading(): void {
  const memory = heapMemory(tf.findBackend('wasm'));
  const fns = memory && instantiate(memory, [colsumFn()]);
  if (!fns) return;
  replaceWasmKernel('Sum', (original) => (args) => sumLeading(fns.colsum!, args, original!));
}
