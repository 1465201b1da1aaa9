/** What the wasm kernels (wasm-kernels*.ts) share: typed views of the wasm heap and kernel replacement. */
import * as tf from '@tensorflow/tfjs-core';

/** What the kernels here use of tfjs-backend-wasm's BackendWasm (its JS side of the heap). */
export interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object): boolean;
}

export type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: Record<string, unknown> };
export type KernelFn = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** A float32 view of a tensor's heap memory. Take views after every makeOutput of a kernel: a heap growth detaches older ones. */
export function f32(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** The wasm backend's own kernel function `name`, as registered now (undefined where it has none). */
export function wasmKernel(name: string): KernelFn | undefined {
  return tf.getKernel(name, 'wasm')?.kernelFunc as unknown as KernelFn | undefined;
}

const originals = new Map<string, KernelFn | undefined>();

/** The kernel that replaceWasmKernel replaced (tfjs's, or the one wasm-matmul.ts installed), for tests to compare against. */
export function originalWasmKernel(name: string): KernelFn | undefined {
  return originals.get(name);
}

/** Replaces the wasm kernel `name` by `make(original)` (original undefined where tfjs has none), once. */
export function replaceWasmKernel(name: string, make: (original: KernelFn | undefined) => KernelFn): void {
  if (originals.has(name)) return;
  const config = tf.getKernel(name, 'wasm');
  const original = config?.kernelFunc as unknown as KernelFn | undefined;
  originals.set(name, original);
  if (config) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...(config ?? {}), kernelName: name, backendName: 'wasm', kernelFunc: make(original) as unknown as tf.KernelFunc });
}
