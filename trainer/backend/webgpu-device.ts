/**
 * The WebGPU device tfjs runs on, created by us instead of by tfjs's own factory so that it asks for the adapter's
 * real limits (16 storage buffers per stage on the H200 and on lavapipe, not the default 8) and so that nothing Dawn
 * reports is lost: validation errors, out-of-memory and a lost device become one fault, which the next kernel or
 * host read throws as an error that names the kernel and says what to do. A WebGPU error must never turn into
 * garbage weights: the run fails at once and keeps its last good checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import { count } from './counters';

/** Minimal view of Dawn's objects (the `webgpu` package has no TypeScript types we can rely on in a bundle). */
export interface GpuAdapter {
  info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  features: Set<string>;
  limits: Record<string, number>;
  requestDevice(desc: unknown): Promise<GpuDevice>;
}
export interface GpuDevice {
  limits: Record<string, number>;
  queue: unknown;
  lost: Promise<{ reason?: string; message?: string }>;
  onuncapturederror: ((e: { error: { message: string; constructor: { name: string } }; preventDefault(): void }) => void) | null;
  createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean }): unknown;
  destroy(): void;
}

/** A WebGPU failure the run cannot continue past; its message says what happened and what to do. */
export class WebGpuFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuFault';
  }
}

/** Limits we ask the device for, when the adapter offers more than WebGPU's defaults. */
const WANTED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeInvocationsPerWorkgroup',
];

let fault: WebGpuFault | undefined;
/** The size of the last buffer requested, for out-of-memory messages. */
let lastBufferBytes = 0;
let allocatedBytes: () => number = () => 0;

/** The fault Dawn reported, if any (tests and the loop's checks). */
export function webgpuFault(): WebGpuFault | undefined {
  return fault;
}

/** Throws the pending fault: called before each kernel and after each host read. */
export function throwIfFaulted(): void {
  if (fault) throw fault;
}

/** Records a fault; the first one wins (later ones are usually its consequences). */
export function reportFault(message: string): void {
  fault ??= new WebGpuFault(message);
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 3 : 1)} MiB`;

/** Turns one of Dawn's uncaptured errors into a message a user can act on. */
export function describeGpuError(kind: string, message: string): string {
  const first = message.split('\n')[0]!.trim();
  const kernel = /ComputePipeline "([^"]+)"/.exec(message)?.[1] ?? /label "([^"]+)"/.exec(message)?.[1];
  const where = kernel ? ` in kernel ${kernel.replace(/\d+$/, '')}` : '';
  if (kind === 'GPUOutOfMemoryError' || /out of memory/i.test(first)) {
    return `the GPU ran out of memory${where}: a buffer of ${mb(lastBufferBytes)} was asked for with ${mb(allocatedBytes())} already ` +
      'allocated. Lower train.batchSize or the model size, or train on wasm (--backend wasm). The run stops and keeps its last good checkpoint.';
  }
  return `WebGPU reported an error${where}: ${first}. The run stops and keeps its last good checkpoint (resume it with ` +
    '`dynaxx resume`, on any backend); please report this kernel and model, and use --backend wasm meanwhile.';
}

/**
 * Registers a `webgpu` backend factory that creates the device from `adapter` with its real limits and Dawn's
 * errors captured, replacing the factory tfjs-backend-webgpu registered on import (which asks for 8 storage buffers
 * and lets errors print and pass).
 */
export function registerWebGpuFactory(adapter: GpuAdapter): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WebGPUBackend } = require('@tensorflow/tfjs-backend-webgpu') as { WebGPUBackend: new (d: unknown, info: unknown) => tf.KernelBackend };
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    const requiredLimits: Record<string, number> = {};
    for (const k of WANTED_LIMITS) if (typeof adapter.limits[k] === 'number') requiredLimits[k] = adapter.limits[k]!;
    const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    watchDevice(device);
    const backend = new WebGPUBackend(device, adapter.info) as unknown as { bufferManager: { numBytesAllocated: number } };
    allocatedBytes = () => backend.bufferManager.numBytesAllocated;
    return backend as unknown as tf.KernelBackend;
  }, 3);
}

/** Captures uncaptured errors (without Dawn's own print) and the loss of the device; watches buffer creation. */
function watchDevice(device: GpuDevice): void {
  device.onuncapturederror = (e) => {
    e.preventDefault();
    reportFault(describeGpuError(e.error.constructor.name, e.error.message));
  };
  // every buffer goes through here: its size for out-of-memory messages, its count for the benchmark (counters.ts)
  const create = device.createBuffer.bind(device);
  device.createBuffer = (desc) => {
    lastBufferBytes = desc.size;
    count('buffersCreated');
    return create(desc);
  };
  // every loss counts, `destroyed` too: after it Dawn drops all work without an error, and nothing of ours destroys
  // the device while the process still trains
  void device.lost.then((info) => {
    reportFault(`the WebGPU device was lost (${info.message || info.reason || 'no reason given'}): the driver reset or the GPU ` +
      'was removed. The run stops and keeps its last good checkpoint; resume it (`dynaxx resume`, on any backend).');
  });
}
