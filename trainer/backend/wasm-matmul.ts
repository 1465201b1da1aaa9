/**
 * The wasm backend multiplies transposed operands (matMul with transposeA/transposeB, which every
 * backward pass of a dense layer uses) 10-25× slower than plain ones: XNNPACK only takes the plain
 * layout. This wraps the BatchMatMul and _FusedMatMul kernels of the wasm backend so that a
 * transposed operand is first transposed explicitly (one cheap copy), then multiplied plainly.
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };
type KernelFn = (args: KernelArgs) => tf.TensorInfo;

let installed = false;

export function installWasmMatMulFix(): void {
  if (installed) return;
  const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc as unknown as KernelFn | undefined;
  if (!transpose) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    const inner = original.kernelFunc as unknown as KernelFn;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...original,
      kernelFunc: ((args: KernelArgs) => {
        const attrs = args.attrs ?? {};
        if (!attrs.transposeA && !attrs.transposeB) return inner(args);
        const temps: tf.TensorInfo[] = [];
        const flip = (t: tf.TensorInfo) => {
          const r = t.shape.length;
          const perm = [...Array(r).keys()];
          [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
          const out = transpose({ inputs: { x: t }, backend: args.backend, attrs: { perm } });
          temps.push(out);
          return out;
        };
        const inputs = { ...args.inputs };
        if (attrs.transposeA) inputs.a = flip(inputs.a);
        if (attrs.transposeB) inputs.b = flip(inputs.b);
        const result = inner({ inputs, backend: args.backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
        const backend = args.backend as { disposeData(id: object): void };
        for (const t of temps) backend.disposeData(t.dataId);
        return result;
      }) as unknown as tf.KernelFunc,
    });
  }
  installed = true;
}
