/**
 * Identity, and Cast to the dtype a tensor already has, without a copy on the wasm backend: the output shares the
 * input's memory (one more reference), as in tfjs-backend-cpu and as the wasm backend's own Reshape does;
 * tfjs-backend-wasm 4.22 copies. No kernel writes a tensor in place, so sharing is safe. tfjs's gradients call them
 * for every saved activation and every ReLU (its gradient casts a float32 step to float32): a few full copies a step.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel, type KernelArgs } from './wasm-kernels-heap';

function share(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function installIdentity(): void {
  replaceWasmKernel('Identity', (original) => (args) => ((args.inputs.x!.dtype === 'string' ? original!(args) : share(args))));
  replaceWasmKernel('Cast', (original) => (args) => (args.inputs.x!.dtype === (args.attrs as { dtype: string }).dtype && args.inputs.x!.dtype !== 'string' ? share(args) : original!(args)));
}
