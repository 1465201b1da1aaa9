/**
 * Our own WGSL programs, recorded into tfjs's WebGPU command stream: the same encoder and compute pass, the same
 * submit batching and buffer lifetimes (inputs and outputs stay owned by the queue until the submit), so they
 * interleave with tfjs's kernels in order. Used where a tfjs kernel cannot do the job in one dispatch: several outputs
 * (the fused optimizer update) or several inputs reduced at once (sums of squares).
 */
import * as tf from '@tensorflow/tfjs-core';
import { count } from './counters';
import { throwIfFaulted } from './webgpu-device';

interface Gpu {
  createShaderModule(d: unknown): unknown;
  createComputePipeline(d: unknown): Pipeline;
  createBindGroup(d: unknown): unknown;
  queue: { writeBuffer(b: unknown, off: number, data: ArrayBufferView): void };
  limits: Record<string, number>;
}
interface Pipeline {
  getBindGroupLayout(i: number): unknown;
}
interface Pass {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
}
/** The parts of tfjs's WebGPUBackend (4.22) this records through. */
export interface WebGpuBackendLike {
  device: Gpu;
  commandEncoder: { beginComputePass(d: unknown): Pass } | null;
  computePassEncoder: Pass | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  tensorMap: { get(id: tf.DataId): { resource: unknown } };
  bufferManager: { acquireBuffer(size: number, usage: number): unknown };
  uniformPendingDisposal: unknown[];
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(id: tf.DataId): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

const pipelines = new Map<string, Pipeline>();

/** The compute pipeline of `code` (entry point `main`), compiled once per key. */
export function pipeline(backend: WebGpuBackendLike, key: string, code: () => string): Pipeline {
  let p = pipelines.get(key);
  if (!p) {
    p = backend.device.createComputePipeline({ label: key, layout: 'auto', compute: { module: backend.device.createShaderModule({ code: code() }), entryPoint: 'main' } });
    pipelines.set(key, p);
  }
  return p;
}

/** A uniform buffer from tfjs's pool holding `values`, returned to the pool at the next submit. */
export function uniforms(backend: WebGpuBackendLike, values: Float32Array | Uint32Array): unknown {
  const b = backend.bufferManager.acquireBuffer(values.byteLength, 0x40 /* UNIFORM */ | 0x8 /* COPY_DST */);
  backend.device.queue.writeBuffer(b, 0, values);
  backend.uniformPendingDisposal.push(b);
  return b;
}

/**
 * Records one dispatch of `pipe` binding `tensors` (in binding order) then `uniform`, over `groups` workgroups (laid
 * out in two dimensions past maxComputeWorkgroupsPerDimension; a shader recovers its index from num_workgroups).
 */
export function record(backend: WebGpuBackendLike, pipe: Pipeline, tensors: tf.TensorInfo[], uniform: unknown, groups: number): void {
  throwIfFaulted();
  for (const t of tensors) backend.uploadToGPU(t.dataId);
  const entries = tensors.map((t, i) => ({ binding: i, resource: { buffer: backend.tensorMap.get(t.dataId).resource } }));
  entries.push({ binding: entries.length, resource: { buffer: uniform } });
  const group = backend.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
  const maxX = backend.device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  const x = Math.max(1, Math.min(groups, maxX));
  backend.ensureCommandEncoderReady();
  if (!backend.computePassEncoder) backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
  backend.computePassEncoder.setPipeline(pipe);
  backend.computePassEncoder.setBindGroup(0, group);
  backend.computePassEncoder.dispatchWorkgroups(x, Math.ceil(groups / x), 1);
  count('dispatches');
  for (const t of tensors) backend.commandQueueOwnedIds.add(t.dataId);
  backend.dispatchCountInPass++;
  if (backend.dispatchCountInPass >= (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number)) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
}
