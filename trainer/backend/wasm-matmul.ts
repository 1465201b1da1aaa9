/**
 * The wasm backend multiplies transposed operands (matMul with transposeA/transposeB, which every
 * backward pass of a dense layer uses) 10-25× slower than plain ones: XNNPACK only takes the plain
 * layout. This wraps the BatchMatMul and _FusedMatMul kernels of the wasm backend so that a
 * transposed operand is first transposed explicitly (one cheap copy), then multiplied plainly.
 *
 * XNNPACK also repacks the right operand (B) on every call with a new B — in training, every call: ~7 ns an element,
 * more than the multiply-adds of a batch-64 dense layer. So a single (unbatched) BatchMatMul whose B is much larger than
 * its A runs as Cᵀ = Bᵀ·Aᵀ instead, when a cost model (packing vs transposes, wasm-kernels-transpose.ts) says it is
 * cheaper: dY·Wᵀ (a dense layer's input gradient) needs no copy of W at all that way, x·W one fast transpose of W.
 * A B that was multiplied before (evaluation, inference: XNNPACK keeps its packing) stays plain.
 * DYNAXX_WASM_OFF=matmul-swap keeps the plain order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { wasmLeversOff } from './wasm-kernels';

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };
type KernelFn = (args: KernelArgs) => tf.TensorInfo;

let installed = false;

/** ns per element: XNNPACK packing a new B, and a SIMD transpose (measured on 1024×1024, 2-core VM). */
const PACK_NS = 7;
const TRANSPOSE_NS = 1.2;

/** Whether Cᵀ = Bᵀ·Aᵀ is cheaper than A·B for an [M, K]·[K, N] product with these stored layouts. */
export function swapIsCheaper(M: number, K: number, N: number, transposeA: boolean, transposeB: boolean): boolean {
  const plain = PACK_NS * K * N + (transposeA ? TRANSPOSE_NS * M * K : 0) + (transposeB ? TRANSPOSE_NS * K * N : 0);
  const swapped = PACK_NS * M * K + (transposeA ? 0 : TRANSPOSE_NS * M * K) + (transposeB ? 0 : TRANSPOSE_NS * K * N) + TRANSPOSE_NS * M * N;
  return swapped < plain;
}

/** Installs the fix, and lets an unbatched BatchMatMul run as Cᵀ = Bᵀ·Aᵀ where that is cheaper (unless switched off). */
export function installWasmMatMulFix(): void {
  if (installed) return;
  const swap = !wasmLeversOff().has('matmul-swap');
  // B operands (stored plainly) seen before: XNNPACK has them packed, so the plain order is the cheap one
  const seenAsB = new WeakSet<object>();
  if (!tf.getKernel('Transpose', 'wasm')) return;
  // looked up per call: wasm-kernels-transpose.ts replaces tfjs's Transpose after this runs
  const transpose = ((args: KernelArgs) => (tf.getKernel('Transpose', 'wasm')!.kernelFunc as unknown as KernelFn)(args));
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    const inner = original.kernelFunc as unknown as KernelFn;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...original,
      kernelFunc: ((args: KernelArgs) => {
        const attrs = args.attrs ?? {};
        const tA = !!attrs.transposeA;
        const tB = !!attrs.transposeB;
        const temps: tf.TensorInfo[] = [];
        const flip = (t: tf.TensorInfo) => {
          const r = t.shape.length;
          const perm = [...Array(r).keys()];
          [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
          const out = transpose({ inputs: { x: t }, backend: args.backend, attrs: { perm } });
          temps.push(out);
          return out;
        };
        const backend = args.backend as { disposeData(id: object): void };
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        const single = (t: tf.TensorInfo) => t.shape.slice(0, -2).every((d) => d === 1);
        if (swap && name === 'BatchMatMul' && a.dtype === 'float32' && single(a) && single(b) && a.shape.length === b.shape.length) {
          const ra = a.shape.length;
          const M = a.shape[tA ? ra - 1 : ra - 2]!;
          const K = a.shape[tA ? ra - 2 : ra - 1]!;
          const N = b.shape[tB ? ra - 2 : ra - 1]!;
          const repeated = !tB && seenAsB.has(b.dataId);
          if (!tB) seenAsB.add(b.dataId);
          if (!repeated && swapIsCheaper(M, K, N, tA, tB)) {
            const ct = inner({ inputs: { a: tB ? b : flip(b), b: tA ? a : flip(a) }, backend: args.backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
            temps.push(ct);
            const result = transpose({ inputs: { x: ct }, backend: args.backend, attrs: { perm: [...Array(ra - 2).keys(), ra - 1, ra - 2] } });
            for (const t of temps) backend.disposeData(t.dataId);
            return result;
          }
        }
        if (!tA && !tB) return inner(args);
        const inputs = { ...args.inputs };
        if (tA) inputs.a = flip(inputs.a!);
        if (tB) inputs.b = flip(inputs.b!);
        const result = inner({ inputs, backend: args.backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
        for (const t of temps) backend.disposeData(t.dataId);
        return result;
      }) as unknown as tf.KernelFunc,
    });
  }
  installed = true;
}
