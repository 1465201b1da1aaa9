/**
 * The engine's fused sum of squares (SUM_SQUARES, contract in engine/fused-kernels.ts; the global gradient norm of
 * every step) for the wasm backend: one SIMD pass per tensor (wasm-kernels-simd.ts) instead of a Square and a Sum
 * kernel, each a full pass. Squares are float32 as tfjs's Square; they are added in 16 float32 partial sums (tfjs's Sum
 * adds them one after another), so the two agree to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SUM_SQUARES } from '../engine/fused-kernels';
import { f32, type KernelArgs, type WasmBackendLike } from './wasm-kernels-heap';
import { Fn, heapMemory, instantiate, OP, T } from './wasm-kernels-simd';

/** sumsq(x, nBytes, out): f32 at out = Σ x² over nBytes (a multiple of 16). */
function sumsqFn(): Fn {
  const f = new Fn('sumsq', [['x', T.i32], ['nBytes', T.i32], ['out', T.i32]]);
  for (const l of ['i', 'n64', 'p']) f.local(l, T.i32);
  for (const l of ['a0', 'a1', 'a2', 'a3', 'v']) f.local(l, T.v128);
  const { i32Add, f32x4Add, f32x4Mul, v128Load } = OP;
  for (const a of ['a0', 'a1', 'a2', 'a3']) f.i32(0).op(OP.i32x4Splat).set(a);
  // n64 = nBytes rounded down to 64
  f.get('nBytes').i32(-64).op(OP.i32And).set('n64');
  f.i32(0).set('i').while('i', 'n64', 64, (b) => {
    b.get('x', 'i').op(i32Add).set('p');
    ['a0', 'a1', 'a2', 'a3'].forEach((a, k) => {
      b.get(a).get('p').i32(16 * k).op(i32Add, v128Load).tee('v').get('v').op(f32x4Mul, f32x4Add).set(a);
    });
  });
  f.while('i', 'nBytes', 16, (b) => {
    b.get('a0').get('x', 'i').op(i32Add, v128Load).tee('v').get('v').op(f32x4Mul, f32x4Add).set('a0');
  });
  f.get('a0', 'a1').op(f32x4Add).get('a2', 'a3').op(f32x4Add, f32x4Add).set('v');
  f.get('out');
  f.get('v').op(OP.f32x4Lane(0)).get('v').op(OP.f32x4Lane(1), OP.f32Add).get('v').op(OP.f32x4Lane(2), OP.f32Add).get('v').op(OP.f32x4Lane(3), OP.f32Add);
  return f.op(OP.f32Store);
}

function sumSquares(sumsq: (...args: number[]) => void, args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const xs = Object.keys(args.inputs).sort((p, q) => Number(p.slice(1)) - Number(q.slice(1))).map((k) => args.inputs[k]!);
  const out = backend.makeOutput([xs.length], 'float32');
  const outPtr = backend.dataIdMap.get(out.dataId)!.memoryOffset;
  xs.forEach((x, i) => {
    const n = tf.util.sizeFromShape(x.shape);
    const n4 = n - (n % 4);
    sumsq(backend.dataIdMap.get(x.dataId)!.memoryOffset, n4 * 4, outPtr + 4 * i);
    if (n4 < n) {
      const v = f32(backend, x);
      const o = f32(backend, out);
      let s = o[i]!;
      for (let j = n4; j < n; j++) s = Math.fround(s + Math.fround(v[j]! * v[j]!));
      o[i] = s;
    }
  });
  return out;
}

/** Registers the fused sum of squares for the wasm backend (once); engine/loss.ts uses it wherever a backend has it. */
export function installWasmSumSquares(): void {
  if (tf.getKernel(SUM_SQUARES, 'wasm')) return;
  const memory = heapMemory(tf.findBackend('wasm'));
  const fns = memory && instantiate(memory, [sumsqFn()]);
  if (!fns) return;
  tf.registerKernel({ kernelName: SUM_SQUARES, backendName: 'wasm', kernelFunc: ((args: KernelArgs) => sumSquares(fns.sumsq!, args)) as unknown as tf.KernelFunc });
}
