/**
 * Makes tfjs's WebGPU kernels safe on every model. Two classes of failure were seen on real GPUs, both silent:
 * a kernel that binds more storage buffers than the device allows (an AddN over 8 gradients in a CNN's global-norm
 * clip, 48 in a DNA model) gets an invalid pipeline and writes garbage, and a kernel whose WGSL expression is too
 * deep (an AddN over the 600 gradients of a 300-layer net) does not compile. Here:
 * - AddN, the one kernel whose input count grows with the model, sums in chunks that fit the device (a tree of
 *   partial sums), so any number of tensors works and each shader stays a few terms deep;
 * - every program is checked before it is recorded: too many bindings or a binding larger than
 *   maxStorageBufferBindingSize is an error naming the kernel and its shapes, never an invalid pipeline;
 * - a fault Dawn reported earlier (webgpu-device.ts) is thrown by the next kernel and by the next host read.
 */
import * as tf from '@tensorflow/tfjs-core';
import { count } from './counters';
import { throwIfFaulted, WebGpuFault } from './webgpu-device';

interface ProgramLike {
  constructor: { name: string };
  outputShape: number[];
  variableNames?: string[];
}
interface BackendLike {
  device: { limits: Record<string, number> };
  runWebGPUProgram(program: ProgramLike, inputs: tf.TensorInfo[], dtype: tf.DataType, ...rest: unknown[]): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
  read(dataId: tf.DataId): Promise<unknown>;
  readSync(dataId: tf.DataId): unknown;
}

/** Inputs a kernel may bind besides its output: WebGPU's default (8) unless the device offers more. */
export function maxInputs(backend: BackendLike): number {
  return Math.max(2, (backend.device.limits.maxStorageBuffersPerShaderStage ?? 8) - 1);
}

const bytesOf = (shape: number[]) => 4 * shape.reduce((a, b) => a * b, 1);
const fmt = (shape: number[]) => `[${shape.join(', ')}]`;

/** Replaces the webgpu AddN with one that sums at most maxInputs tensors per dispatch. */
function installChunkedAddN(): void {
  const original = tf.getKernel(tf.AddN, 'webgpu');
  if (!original || (original.kernelFunc as { chunked?: boolean }).chunked) return;
  const inner = original.kernelFunc;
  const kernelFunc = ((args: { inputs: tf.TensorInfo[]; backend: BackendLike; attrs: tf.NamedAttrMap }) => {
    const { backend } = args;
    const width = maxInputs(backend);
    let level = args.inputs;
    const partials: tf.TensorInfo[] = [];
    while (level.length > width) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += width) {
        const chunk = level.slice(i, i + width);
        if (chunk.length === 1) next.push(chunk[0]!);
        else {
          const sum = inner({ ...args, inputs: chunk } as unknown as Parameters<typeof inner>[0]) as tf.TensorInfo;
          partials.push(sum);
          next.push(sum);
        }
      }
      level = next;
    }
    const out = inner({ ...args, inputs: level } as unknown as Parameters<typeof inner>[0]);
    for (const p of partials) backend.disposeData(p.dataId);
    return out;
  }) as unknown as tf.KernelFunc;
  (kernelFunc as { chunked?: boolean }).chunked = true;
  tf.unregisterKernel(tf.AddN, 'webgpu');
  tf.registerKernel({ ...original, kernelFunc });
}

/** Wraps the backend's program runner and reads with the checks above. */
function guardBackend(backend: BackendLike): void {
  const run = backend.runWebGPUProgram.bind(backend);
  backend.runWebGPUProgram = (program, inputs, dtype, ...rest) => {
    throwIfFaulted();
    const limits = backend.device.limits;
    const name = program.constructor.name.replace(/Program$/, '');
    const buffers = inputs.length + 1;
    const maxBuffers = limits.maxStorageBuffersPerShaderStage ?? 8;
    if (buffers > maxBuffers) {
      throw new WebGpuFault(`the WebGPU kernel ${name} would bind ${buffers} storage buffers (inputs ${inputs.map((t) => fmt(t.shape)).join(', ')}), ` +
        `over this GPU's limit of ${maxBuffers}. Train this model with --backend wasm, and please report the model.`);
    }
    const maxBinding = limits.maxStorageBufferBindingSize ?? 2 ** 27;
    for (const shape of [program.outputShape, ...inputs.map((t) => t.shape)]) {
      if (bytesOf(shape) > maxBinding) {
        throw new WebGpuFault(`the WebGPU kernel ${name} needs a tensor ${fmt(shape)} of ${(bytesOf(shape) / 2 ** 20).toFixed(0)} MiB, larger than ` +
          `this GPU's largest storage binding (${(maxBinding / 2 ** 20).toFixed(0)} MiB). Lower train.batchSize or the layer's size, or train with --backend wasm.`);
      }
    }
    count('dispatches');
    const t0 = performance.now();
    const out = run(program, inputs, dtype, ...rest);
    count('dispatchMicros', (performance.now() - t0) * 1000);
    return out;
  };
  const read = backend.read.bind(backend);
  backend.read = async (dataId) => {
    throwIfFaulted();
    let v: unknown;
    try {
      v = await read(dataId);
    } catch (e) {
      // a read fails when the device is gone; Dawn may say why a moment later
      await new Promise((r) => setTimeout(r, 50));
      throwIfFaulted();
      const why = (e as Error).message || (e as Error).name || String(e);
      throw new WebGpuFault(`reading a result back from the GPU failed (${why}). The run stops and keeps its last good checkpoint; resume it (\`dynaxx resume\`, on any backend).`);
    }
    throwIfFaulted();
    return v;
  };
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId) => {
    throwIfFaulted();
    const v = readSync(dataId);
    throwIfFaulted();
    return v;
  };
}

/** Installs the kernel fixes and checks on the active webgpu backend (after tf.setBackend('webgpu')). */
export function installWebGpuKernels(): void {
  installChunkedAddN();
  guardBackend(tf.backend() as unknown as BackendLike);
}
