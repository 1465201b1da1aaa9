/**
 * For the wasm kernel tests: tfjs-backend-cpu's kernel on copies of the inputs, tfjs's reference result, to compare
 * a replaced wasm kernel with.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

const cpu = new MathBackendCPU();

export function cpuReference(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array {
  const infos = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { dataId: cpu.write(t.dataSync(), t.shape, t.dtype), shape: t.shape, dtype: t.dtype }]));
  const out = tf.getKernel(name, 'cpu')!.kernelFunc({ inputs: infos, backend: cpu, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  const values = (cpu.readSync(out.dataId) as Float32Array).slice();
  for (const t of [...Object.values(infos), out]) cpu.disposeData(t.dataId, true);
  return values;
}
