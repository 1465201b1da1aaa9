/**
 * Faster kernels for tfjs's wasm backend, where its own are slow or missing (issue 19): each one replaces (or adds)
 * one registered kernel of the 'wasm' backend and is measured against the original in wasm-kernels*.test.ts.
 * - simd-threads: the kernels' own SIMD loops below (optimizer update, relu's gradient, bias and relu, im2col, col2im)
 *   split over worker threads on the shared heap, as many as the wasm backend's (wasm-simd-pool.ts).
 * - blas: matMul and the convolutions (forward and both gradients) on the machine's BLAS through FFI
 *   (blas.ts, wasm-kernels-blas.ts), where one is found: OpenBLAS's AVX2/AVX-512 FMA kernels against XNNPACK's 128-bit SIMD.
 * - maxpoolgrad: MaxPoolGrad as one pass over the heap, SIMD for 2×2 windows (wasm-kernels-pool.ts): ~30× faster than tfjs's.
 * - sum: Sum over leading axes (the bias gradients) as one SIMD pass adding rows (wasm-kernels-reduce.ts), ~10× on a conv's.
 * - fused-optimizer: the engine's OPTIMIZER_UPDATE (engine/fused-kernels.ts) as one SIMD pass per weight on the heap
 *   (wasm-kernels-optimizer.ts, wasm-kernels-simd.ts), bit-equal to the op-by-op update and ~6× faster.
 * - conv-backprop: Conv2DBackpropInput and Conv2DBackpropFilter on XNNPACK's conv2d and matmul (wasm-kernels-conv.ts).
 * - transpose: Transpose of the last two axes in SIMD 4×4 blocks (wasm-kernels-transpose.ts), ~7× faster.
 * - matmul-swap: an unbatched matMul whose B is the larger operand runs as Cᵀ = Bᵀ·Aᵀ (wasm-matmul.ts): XNNPACK repacks B
 *   on every call with a new B, every call in training.
 * - identity: Identity, and Cast to the same dtype, share their input's memory instead of copying it (wasm-kernels-identity.ts).
 * - fused-norm: the engine's SUM_SQUARES (the global gradient norm) as one SIMD pass per tensor (wasm-kernels-norm.ts).
 * - fused-loss: the engine's SOFTMAX_XENT and its gradient, one JS pass over the logits each (wasm-kernels-xent.ts).
 * - fused-layers: the engine's DENSE_TRAIN and CONV2D_TRAIN (product, bias and relu as one kernel while training) and
 *   RELU_GRAD (one SIMD pass) (wasm-kernels-layers.ts, engine/layers/fused-train.ts).
 * DYNAXX_WASM_OFF (comma-separated names above, or `all`) keeps tfjs's own kernel for each one named, so the benchmark can
 * measure what each buys.
 */
import { BackendError } from './backend';
import { loadBlas } from './blas';
import { installBlasKernels } from './wasm-kernels-blas';
import { installConvBackprop } from './wasm-kernels-conv';
import { installIdentity } from './wasm-kernels-identity';
import { installFusedLayers } from './wasm-kernels-layers';
import { installWasmSumSquares } from './wasm-kernels-norm';
import { installWasmOptimizer } from './wasm-kernels-optimizer';
import { installMaxPoolGrad } from './wasm-kernels-pool';
import { installSumLeading } from './wasm-kernels-reduce';
import { installTranspose } from './wasm-kernels-transpose';
import { installWasmXent } from './wasm-kernels-xent';
import { setKernelThreads } from './wasm-simd-pool';
import { wantedThreads } from './wasm-threads';

export const WASM_LEVERS = ['simd-threads', 'blas', 'maxpoolgrad', 'sum', 'fused-optimizer', 'conv-backprop', 'transpose', 'matmul-swap', 'identity', 'fused-norm', 'fused-loss', 'fused-layers'] as const;

/** The levers switched off by DYNAXX_WASM_OFF; a name not in WASM_LEVERS is an error, not a silent default. */
export function wasmLeversOff(env = process.env.DYNAXX_WASM_OFF): Set<string> {
  const names = (env ?? '').split(',').map((s) => s.trim()).filter((s) => s);
  const unknown = names.filter((n) => n !== 'all' && !(WASM_LEVERS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new BackendError('wasm', `DYNAXX_WASM_OFF names ${unknown.map((n) => `'${n}'`).join(', ')}: use any of ${WASM_LEVERS.join(', ')}, or all`);
  return new Set(names.includes('all') ? WASM_LEVERS : names);
}

const INSTALL: Record<(typeof WASM_LEVERS)[number], () => void> = {
  'simd-threads': () => {}, // read by installWasmKernels: the pool's size
  // first: its conv gradients fall back to conv-backprop's, which then stay out
  blas: () => {
    const { blas } = loadBlas();
    if (blas) blasInstalled = installBlasKernels(blas);
  },
  maxpoolgrad: installMaxPoolGrad,
  sum: installSumLeading,
  'fused-optimizer': installWasmOptimizer,
  'conv-backprop': installConvBackprop,
  transpose: installTranspose,
  'matmul-swap': () => {}, // read by wasm-matmul.ts
  identity: installIdentity,
  'fused-norm': installWasmSumSquares,
  'fused-loss': installWasmXent,
  'fused-layers': installFusedLayers,
};

let installed = false;
let blasInstalled = false;

/** Whether the BLAS kernels run (installWasmKernels found a BLAS and the blas lever is on). */
export function blasKernelsOn(): boolean {
  return blasInstalled;
}

/** Registers every kernel not switched off by DYNAXX_WASM_OFF (once; after the wasm backend is ready). */
export function installWasmKernels(): void {
  if (installed) return;
  const off = wasmLeversOff();
  setKernelThreads(off.has('simd-threads') ? 1 : wantedThreads());
  for (const lever of WASM_LEVERS) if (!off.has(lever)) INSTALL[lever]();
  installed = true;
}
