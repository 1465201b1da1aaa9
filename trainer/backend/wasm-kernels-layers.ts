/**
 * The engine's fused layer kernels (DENSE_TRAIN, CONV2D_TRAIN, RELU_GRAD; contract in engine/fused-kernels.ts, gradient
 * in engine/layers/fused-train.ts) for the wasm backend: the two forward kernels are the backend's own _FusedMatMul and
 * FusedConv2D (the BLAS ones of wasm-kernels-blas.ts where they run: product, then bias and relu in one SIMD pass;
 * DENSE_TRAIN only there, see below);
 * RELU_GRAD is one SIMD pass, dy masked by y > 0 (wasm-kernels-simd.ts), where tfjs runs Step and Multiply, split over
 * the kernel threads (wasm-simd-pool.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV2D_TRAIN, DENSE_TRAIN, RELU_GRAD } from '../engine/fused-kernels';
import { f32, originalWasmKernel, wasmKernel, type KernelArgs, type WasmBackendLike } from './wasm-kernels-heap';
import { Fn, OP, T } from './wasm-kernels-simd';
import { kernelPool, MIN_PART_BYTES, ranges, type PooledModule } from './wasm-simd-pool';

/** reluGrad(dy, y, out, nBytes): out = y > 0 ? dy : 0, four floats a turn (nBytes a multiple of 16). */
function reluGradFn(): Fn {
  const f = new Fn('reluGrad', [['dy', T.i32], ['y', T.i32], ['out', T.i32], ['nBytes', T.i32]]).local('i', T.i32).local('zero', T.v128);
  f.i32(0).op(OP.i32x4Splat).set('zero');
  return f.loop16('nBytes', (b) => {
    b.get('out', 'i').op(OP.i32Add).load('dy').load('y').get('zero').op(OP.f32x4Gt, OP.v128And, OP.v128Store);
  });
}

function reluGrad(mod: PooledModule, args: KernelArgs): tf.TensorInfo {
  const { dy, y } = args.inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput(dy.shape, 'float32');
  const n = tf.util.sizeFromShape(dy.shape);
  const n4 = n - (n % 4);
  const ptr = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const [d, v, o] = [ptr(dy), ptr(y), ptr(out)];
  if (n4 > 0) mod.run('reluGrad', ranges(n4 * 4, mod.threads, 16, MIN_PART_BYTES).map(([from, len]) => [d + from, v + from, o + from, len]));
  if (n4 < n) {
    const [dv, yv, ov] = [f32(backend, dy), f32(backend, y), f32(backend, out)];
    for (let i = n4; i < n; i++) ov[i] = yv[i]! > 0 ? dv[i]! : 0;
  }
  return out;
}

export function installFusedLayers(): void {
  const mod = kernelPool()?.load([reluGradFn()]);
  if (!mod || !wasmKernel('_FusedMatMul') || !wasmKernel('FusedConv2D')) return;
  const register = (kernelName: string, kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]) => {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  };
  register(RELU_GRAD, (args) => reluGrad(mod, args));
  // looked up per call: the BLAS kernels, or tfjs's (XNNPACK) where the blas lever is off
  register(CONV2D_TRAIN, (args) => wasmKernel('FusedConv2D')!({
    ...args,
    attrs: { strides: args.attrs?.strides, pad: args.attrs?.pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined, activation: args.attrs?.activation },
  }));
  // DENSE_TRAIN only on the BLAS's _FusedMatMul: tfjs's own (XNNPACK) repacks its weight operand on every call with a
  // new weight, every training step, which costs more than the unfused product's Cᵀ = Bᵀ·Aᵀ (wasm-matmul.ts): the MLP's
  // step at batch 64 took 29 ms fused against 21 ms unfused without a BLAS. tfjs's FusedConv2D has no such cost.
  if (originalWasmKernel('_FusedMatMul') === undefined) return;
  // tfjs's _FusedMatMul takes rank-3 operands (its op reshapes them): [M, K]·[K, N] as [1, M, K]·[1, K, N]
  register(DENSE_TRAIN, (args) => {
    const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
    const inputs = { a: { ...a, shape: [1, ...a.shape] }, b: { ...b, shape: [1, ...b.shape] }, ...(bias ? { bias } : {}) };
    const y = wasmKernel('_FusedMatMul')!({ ...args, inputs, attrs: { transposeA: false, transposeB: false, activation: args.attrs?.activation } }) as tf.TensorInfo;
    return { ...y, shape: [a.shape[0]!, b.shape[1]!] };
  });
}
