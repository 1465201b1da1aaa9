/**
 * Transpose of the last two axes (a batched matrix transpose) on the wasm backend, float32 with both of them multiples
 * of 4: 4×4 blocks through SIMD shuffles (wasm-kernels-simd.ts). tfjs-backend-wasm's kernel copies element by element,
 * ~7 ns an element on 1024×1024; this takes about one. The matMul fix (wasm-matmul.ts) and the backward passes lean on
 * it. Other permutations, sizes and dtypes go to the original kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel, type KernelArgs, type KernelFn, type WasmBackendLike } from './wasm-kernels-heap';
import { Fn, heapMemory, instantiate, OP, shuffle, T } from './wasm-kernels-simd';

/**
 * transpose4(src, dst, R, C): dst[C, R] = src[R, C]ᵀ, R and C multiples of 4. Column tiles of 16 floats, each walked down
 * every row: whole cache lines read, 16 destination rows written in sequence (a 1024-float stride would otherwise
 * thrash the cache).
 */
function transposeFn(): Fn {
  const f = new Fn('transpose4', [['src', T.i32], ['dst', T.i32], ['R', T.i32], ['C', T.i32]]);
  for (const l of ['ib', 'ibEnd', 'jb', 'jbEnd', 'rs', 'rd', 'p0', 'p1', 'p2', 'p3', 'd0', 'jt', 'jtEnd']) f.local(l, T.i32);
  for (const l of ['r0', 'r1', 'r2', 'r3', 't0', 't1', 't2', 't3']) f.local(l, T.v128);
  const { i32Add, i32Mul, i32LtU, select, v128Store } = OP;
  f.get('C').i32(4).op(i32Mul).tee('rs').set('jbEnd');
  f.get('R').i32(4).op(i32Mul).tee('rd').set('ibEnd');
  f.i32(0).set('jt');
  return f.while('jt', 'jbEnd', 64, (tile) => tile.get('jt').i32(64).op(i32Add).tee('jtEnd').get('jbEnd', 'jtEnd', 'jbEnd').op(i32LtU, select).set('jtEnd').i32(0).set('ib').while('ib', 'ibEnd', 16, (o) => {
    // four source rows, starting at row ib/4
    o.get('src').get('ib', 'C').op(i32Mul, i32Add).tee('p0').get('rs').op(i32Add).tee('p1').get('rs').op(i32Add).tee('p2').get('rs').op(i32Add).set('p3');
    o.get('jt').set('jb').while('jb', 'jtEnd', 16, (b) => {
      b.load('p0', 'jb').set('r0').load('p1', 'jb').set('r1').load('p2', 'jb').set('r2').load('p3', 'jb').set('r3');
      b.get('r0', 'r1').op(shuffle([0, 4, 1, 5])).set('t0').get('r0', 'r1').op(shuffle([2, 6, 3, 7])).set('t1');
      b.get('r2', 'r3').op(shuffle([0, 4, 1, 5])).set('t2').get('r2', 'r3').op(shuffle([2, 6, 3, 7])).set('t3');
      // destination rows jb/4 … jb/4 + 3, at column ib/4
      b.get('dst').get('jb', 'R').op(i32Mul, i32Add).get('ib').op(i32Add).set('d0');
      b.get('d0').get('t0', 't2').op(shuffle([0, 1, 4, 5]), v128Store);
      b.get('d0', 'rd').op(i32Add).get('t0', 't2').op(shuffle([2, 3, 6, 7]), v128Store);
      b.get('d0', 'rd', 'rd').op(i32Add, i32Add).get('t1', 't3').op(shuffle([0, 1, 4, 5]), v128Store);
      b.get('d0', 'rd', 'rd', 'rd').op(i32Add, i32Add, i32Add).get('t1', 't3').op(shuffle([2, 3, 6, 7]), v128Store);
    });
  }));
}

function transpose(fn: (...args: number[]) => void, args: KernelArgs, original: KernelFn): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const perm = (args.attrs as { perm: number[] }).perm;
  const r = x.shape.length;
  const swapsLastTwo = r >= 2 && perm.every((p, i) => p === (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  const R = x.shape[r - 2]!;
  const C = x.shape[r - 1]!;
  if (x.dtype !== 'float32' || !swapsLastTwo || R % 4 !== 0 || C % 4 !== 0 || R * C === 0) return original(args);
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput([...x.shape.slice(0, r - 2), C, R], 'float32');
  const src = backend.dataIdMap.get(x.dataId)!.memoryOffset;
  const dst = backend.dataIdMap.get(out.dataId)!.memoryOffset;
  const batch = x.shape.slice(0, r - 2).reduce((p, q) => p * q, 1);
  for (let k = 0; k < batch; k++) fn(src + k * R * C * 4, dst + k * R * C * 4, R, C);
  return out;
}

export function installTranspose(): void {
  const memory = heapMemory(tf.findBackend('wasm'));
  const fns = memory && instantiate(memory, [transposeFn()]);
  if (!fns) return;
  replaceWasmKernel('Transpose', (original) => (args) => transpose(fns.transpose4!, args, original!));
}
