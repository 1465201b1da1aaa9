/**
 * The engine's fused softmax cross-entropy (SOFTMAX_XENT and SOFTMAX_XENT_GRAD, contract in engine/fused-kernels.ts)
 * for the wasm backend: one JS pass over the logits on the heap each way, instead of tfjs's logSoftmax, one-hot,
 * product, sum, negation and their gradients (about a dozen small kernels each way, each with its own call and
 * allocation). Row arithmetic in float64 (max, log-sum-exp), results stored as float32.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SOFTMAX_XENT, SOFTMAX_XENT_GRAD } from '../engine/fused-kernels';
import { f32, type KernelArgs, type WasmBackendLike } from './wasm-kernels-heap';

function forward(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { logits, labels } = args.inputs as Record<string, tf.TensorInfo>;
  const [rows, classes] = logits!.shape as [number, number];
  const nllT = backend.makeOutput([rows], 'float32');
  const lseT = backend.makeOutput([rows], 'float32');
  const l = f32(backend, logits!);
  const y = backend.typedArrayFromHeap(labels!) as Int32Array;
  const nll = f32(backend, nllT);
  const lse = f32(backend, lseT);
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let m = l[base]!;
    for (let c = 1; c < classes; c++) m = Math.max(m, l[base + c]!);
    let s = 0;
    for (let c = 0; c < classes; c++) s += Math.exp(l[base + c]! - m);
    const z = m + Math.log(s);
    lse[r] = z;
    const label = y[r]!;
    nll[r] = label < 0 || label >= classes ? 0 : z - l[base + label]!;
  }
  return [nllT, lseT];
}

function backward(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { logits, labels, lse, dy } = args.inputs as Record<string, tf.TensorInfo>;
  const [rows, classes] = logits!.shape as [number, number];
  const dxT = backend.makeOutput([rows, classes], 'float32');
  const l = f32(backend, logits!);
  const y = backend.typedArrayFromHeap(labels!) as Int32Array;
  const z = f32(backend, lse!);
  const g = f32(backend, dy!);
  const dx = f32(backend, dxT);
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    const label = y[r]!;
    if (label < 0 || label >= classes) {
      dx.fill(0, base, base + classes);
      continue;
    }
    const zr = z[r]!;
    const gr = g[r]!;
    for (let c = 0; c < classes; c++) dx[base + c] = (Math.exp(l[base + c]! - zr) - (c === label ? 1 : 0)) * gr;
  }
  return dxT;
}

/** Registers both kernels for the wasm backend (once); engine/loss.ts uses them wherever a backend has them. */
export function installWasmXent(): void {
  if (tf.getKernel(SOFTMAX_XENT, 'wasm')) return;
  tf.registerKernel({ kernelName: SOFTMAX_XENT, backendName: 'wasm', kernelFunc: forward as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: SOFTMAX_XENT_GRAD, backendName: 'wasm', kernelFunc: backward as unknown as tf.KernelFunc });
}
