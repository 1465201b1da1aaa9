/**
 * Identity without a copy on the wasm backend: the output shares the input's memory (one more reference), as in
 * tfjs-backend-cpu and as the wasm backend's own Reshape does; tfjs-backend-wasm 4.22 copies it. No kernel writes a
 * tensor in place, so sharing is safe. tfjs's gradients and customGrad call it for every saved activation (three
 * [64, 28, 28, 32] copies a CNN step).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel, type KernelArgs, type KernelFn } from './wasm-kernels-heap';

function identity(args: KernelArgs, original: KernelFn): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return original(args);
  (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function installIdentity(): void {
  replaceWasmKernel('Identity', (original) => (args) => identity(args, original!));
}
