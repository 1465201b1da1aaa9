/**
 * The host side of a WebGPU step, made cheaper. Profiled on an H200, tfjs spends 250–460 µs of host time per kernel,
 * most of it creating GPU objects: a new staging buffer for every upload (every scalar from a JS number, every
 * batch), a uniform buffer written and a new bind group for every dispatch, and a queue submit every 15 dispatches.
 * Here, without changing what any kernel computes (each lever can be switched off: leversOff below):
 * - uploads write into a pooled buffer with queue.writeBuffer instead of creating a mapped staging buffer;
 * - uniform buffers are kept by content (shapes and constants repeat step after step) and written once;
 * - bind groups are cached by their layout and buffers, bounded in number;
 * - a step is submitted whole at its end, in one submit unless it is long (DYNAXX_WEBGPU_SUBMIT_BATCH, default below);
 * - the host stays within a bounded amount of work ahead of the GPU, so Dawn can recycle what steps used;
 * - buffers created, bind groups created and submits are counted (counters.ts) so the benchmark shows each lever.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setStepBoundary } from '../engine/between-steps';
import { BackendError } from './backend';
import { count, counters } from './counters';

/**
 * Most dispatches per queue submit (tfjs's default is 15; each submit costs milliseconds of host time on Dawn). A
 * training step is submitted whole at its end (installStepBoundary): only steps longer than this submit earlier.
 */
export const SUBMIT_BATCH = 512;
/** Bind groups kept (each pins a descriptor set; on lavapipe a memory mapping, of 65 530 a process may have). */
const BIND_GROUP_CACHE = 4096;

interface TensorData {
  dtype: tf.DataType;
  shape: number[];
  values: ArrayLike<number> | null;
  resource: unknown;
  /** tfjs: the buffer is not the tensor's own (never released to the pool) */
  external?: boolean;
}
interface HostBackend {
  device: Record<string, unknown> & { queue: { submit(b: unknown[]): void; writeBuffer(b: unknown, off: number, data: ArrayBufferView): void } };
  queue: { submit(b: unknown[]): void };
  tensorMap: { get(id: tf.DataId): TensorData };
  bufferManager: { acquireBuffer(size: number, usage: number): unknown };
  uploadToGPU(dataId: tf.DataId): void;
  makeUniforms(uniforms: unknown): UniformBinding;
}
interface UniformBinding {
  offset: number;
  size: number;
  buffer: unknown;
}
interface BindGroupEntry {
  binding: number;
  resource: { buffer?: object; offset?: number; size?: number };
}

const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8 /* COPY_DST */;

/** Distinct scalar constants kept on the GPU (learning rates, clip norms, epsilons: a step uses a handful). */
const SCALAR_CACHE = 1024;

/**
 * Uploads through queue.writeBuffer into a pooled buffer (tfjs creates a staging buffer per upload). A one-element
 * tensor (a scalar made from a JS number, which tfjs ops create all the time) binds a shared read-only buffer per
 * value instead: no upload at all. tfjs never writes into an input, and a tensor marked `external` never returns its
 * buffer to the pool, so the shared buffer cannot be overwritten.
 */
function installUploads(backend: HostBackend): void {
  const original = backend.uploadToGPU.bind(backend);
  const scalars = new Map<string, unknown>();
  backend.uploadToGPU = (dataId) => {
    const data = backend.tensorMap.get(dataId);
    const size = data.values ? data.values.length * 4 : 0;
    if (data.resource != null || !data.values || size === 0 || !['float32', 'int32', 'bool'].includes(data.dtype)) {
      original(dataId);
      return;
    }
    const values = data.values;
    const view = data.dtype === 'float32'
      ? (values instanceof Float32Array ? values : Float32Array.from(values))
      : (values instanceof Int32Array ? values : Int32Array.from(values));
    let buffer: unknown;
    if (view.length === 1) {
      const key = `${data.dtype === 'float32' ? 'f' : 'i'}${new Int32Array(view.buffer, view.byteOffset, 1)[0]}`;
      buffer = scalars.get(key);
      if (!buffer) {
        buffer = (backend.device.createBuffer as (d: unknown) => unknown)({ size: 4, usage: STORAGE_USAGE });
        backend.device.queue.writeBuffer(buffer, 0, view);
        scalars.set(key, buffer);
        // evicted: dropped; tensors still bound to it keep it alive
        if (scalars.size > SCALAR_CACHE) scalars.delete(scalars.keys().next().value!);
      }
      data.external = true;
    } else {
      buffer = backend.bufferManager.acquireBuffer(size, STORAGE_USAGE);
      backend.device.queue.writeBuffer(buffer, 0, view);
    }
    data.values = null;
    data.resource = buffer;
  };
}

/** Uniform buffers kept, by content: shapes, strides and constants of each distinct kernel call in a step. */
const UNIFORM_CACHE = 4096;

/**
 * One uniform buffer per distinct content, written once: a kernel called with the same shapes step after step binds
 * the same buffer, so no writeBuffer per dispatch and its bind group can be cached. tfjs's own makeUniforms lays the
 * bytes out (its alignment rules stay in one place); its write is captured instead of sent, and the pooled buffer it
 * took goes back to the pool at the next submit, unwritten.
 */
function installUniformCache(backend: HostBackend): void {
  const original = backend.makeUniforms.bind(backend);
  const queue = backend.device.queue as { writeBuffer: (b: unknown, off: number, data: ArrayBufferLike | ArrayBufferView, dOff?: number, size?: number) => void };
  const write = queue.writeBuffer.bind(queue);
  const cache = new Map<string, UniformBinding>();
  backend.makeUniforms = (uniforms) => {
    let bytes: Int32Array | undefined;
    queue.writeBuffer = (_b, _off, data, dOff = 0, size) => {
      bytes = new Int32Array(data as ArrayBufferLike, dOff, (size ?? (data as ArrayBufferLike).byteLength) / 4);
    };
    let made: UniformBinding;
    try {
      made = original(uniforms);
    } finally {
      queue.writeBuffer = write;
    }
    if (!bytes) return made;
    const key = bytes.join(',');
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const buffer = (backend.device.createBuffer as (d: unknown) => unknown)({ size: made.size, usage: 0x40 /* UNIFORM */ | 0x8 /* COPY_DST */ });
    write(buffer, 0, bytes);
    const binding = { offset: 0, size: made.size, buffer };
    cache.set(key, binding);
    // an evicted buffer is dropped, not destroyed: Dawn keeps it alive while submitted work still binds it
    if (cache.size > UNIFORM_CACHE) cache.delete(cache.keys().next().value!);
    return binding;
  };
}

/** Caches bind groups by layout and bound buffers (what is really created is counted beneath, installCounting). */
function installBindGroupCache(device: HostBackend['device']): void {
  const ids = new WeakMap<object, number>();
  let next = 0;
  const idOf = (o: object) => {
    let id = ids.get(o);
    if (id === undefined) ids.set(o, (id = ++next));
    return id;
  };
  // Dawn returns a new layout object on every getBindGroupLayout call: memoize it per pipeline so it can be a key
  const createPipeline = (device.createComputePipeline as (d: unknown) => { getBindGroupLayout(i: number): object }).bind(device);
  device.createComputePipeline = (desc: unknown) => {
    const pipeline = createPipeline(desc);
    const get = pipeline.getBindGroupLayout.bind(pipeline);
    const layouts = new Map<number, object>();
    pipeline.getBindGroupLayout = (i: number) => {
      let l = layouts.get(i);
      if (!l) layouts.set(i, (l = get(i)));
      return l;
    };
    return pipeline;
  };
  const cache = new Map<string, unknown>();
  const create = (device.createBindGroup as (d: unknown) => unknown).bind(device);
  device.createBindGroup = (desc: { layout: object; entries: BindGroupEntry[] }) => {
    let key: string | undefined = `${idOf(desc.layout)}`;
    for (const e of desc.entries) {
      const r = e.resource;
      if (!r?.buffer) {
        key = undefined;
        break;
      }
      key += `|${e.binding}:${idOf(r.buffer)}:${r.offset ?? 0}:${r.size ?? -1}`;
    }
    if (key !== undefined) {
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
    }
    const group = create(desc);
    if (key !== undefined) {
      cache.set(key, group);
      if (cache.size > BIND_GROUP_CACHE) cache.delete(cache.keys().next().value!);
    }
    return group;
  };
}

/** A full garbage collection (V8 sees a bind group as a tiny object and keeps dead ones for long). */
let gc: (() => void) | undefined;
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** Counts bind groups created and submits (buffers are counted where the device is made, webgpu-device.ts). */
function installCounting(backend: HostBackend): void {
  const gpu = backend.device as unknown as { createBindGroup: (d: unknown) => unknown };
  const createBindGroup = gpu.createBindGroup.bind(gpu);
  gpu.createBindGroup = (d: unknown) => {
    count('bindGroups');
    return createBindGroup(d);
  };
  const queue = backend.queue;
  const submit = queue.submit.bind(queue);
  queue.submit = (b: unknown[]) => {
    count('submits');
    submit(b);
  };
}

/**
 * Bind groups the host may create ahead of the GPU's completed work. Dawn frees a bind group's descriptor set only
 * once the bind group is garbage and the GPU is past the work that used it, and it notices that only when it ticks,
 * which dawn.node does while one of its promises is pending. A 300-layer step binds tens of thousands; on lavapipe each
 * is a memory mapping, of 65 530 a process may have. Past this many, the next pause between steps waits for the GPU,
 * collects the garbage and lets Dawn recycle. Small models reach it once every few hundred steps.
 */
const AHEAD_LIMIT = 16384;

/**
 * Submits at the end of every step, and keeps the host within AHEAD_LIMIT bind groups of the GPU at the loop's pauses.
 * A step submitted whole releases its temporaries together, so the next step draws the same buffers from the pool in
 * the same order and binds the same bind groups again (measured on an MLP at batch 64: 45 bind groups created per
 * step with a submit every 64 dispatches, 4 with a submit per step).
 */
function installStepBoundary(backend: HostBackend & { commandEncoder: unknown; endComputePassEncoder(): void; submitQueue(): void }, perStep: boolean): void {
  const queue = backend.queue as HostBackend['queue'] & { onSubmittedWorkDone(): Promise<void> };
  const flush = () => {
    if (!backend.commandEncoder) return;
    backend.endComputePassEncoder();
    backend.submitQueue();
  };
  let settledAt = counters().bindGroups;
  setStepBoundary({
    endStep: perStep ? flush : undefined,
    async between() {
      const created = counters().bindGroups;
      if (created - settledAt < AHEAD_LIMIT) return;
      flush();
      await queue.onSubmittedWorkDone();
      collectGarbage();
      await queue.onSubmittedWorkDone(); // a tick after the collection: the freed sets go back to Dawn's pools
      settledAt = created;
    },
  });
}

/** Installs the host-side levers on the active webgpu backend (after tf.setBackend('webgpu')). */
export function installWebGpuHost(settings: HostSettings): void {
  const backend = tf.backend() as unknown as HostBackend;
  installCounting(backend);
  const { off } = settings;
  installStepBoundary(backend as Parameters<typeof installStepBoundary>[0], !off.has('batch'));
  if (!off.has('batch')) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', settings.submitBatch);
  if (!off.has('upload')) installUploads(backend);
  if (!off.has('uniforms')) installUniformCache(backend);
  if (!off.has('bindgroups')) installBindGroupCache(backend.device);
}

export interface HostSettings {
  /** Levers switched off (leversOff). */
  off: Set<string>;
  submitBatch: number;
}

/** The settings from the environment, checked before the backend starts: a typo is an error, not a silent default. */
export function hostSettings(): HostSettings {
  return { off: leversOff(), submitBatch: submitBatch() };
}

/**
 * The levers switched off by DYNAXX_WEBGPU_OFF (comma-separated: batch, upload, bindgroups, uniforms,
 * fused-optimizer, fused-norm, fused-loss, or `all`): the benchmark measures what each one buys, side by side in one run.
 */
function leversOff(): Set<string> {
  const names = (process.env.DYNAXX_WEBGPU_OFF ?? '').split(',').map((s) => s.trim()).filter((s) => s);
  const unknown = names.filter((n) => n !== 'all' && !LEVERS.includes(n));
  if (unknown.length > 0) throw new BackendError('webgpu', `DYNAXX_WEBGPU_OFF names ${unknown.map((n) => `'${n}'`).join(', ')}: use any of ${LEVERS.join(', ')}, or all`);
  return new Set(names.includes('all') ? LEVERS : names);
}

const LEVERS = ['batch', 'upload', 'uniforms', 'bindgroups', 'fused-optimizer', 'fused-norm', 'fused-loss'];

/** Most dispatches per submit within a step: DYNAXX_WEBGPU_SUBMIT_BATCH (a whole number ≥ 1) or SUBMIT_BATCH. */
function submitBatch(): number {
  const v = process.env.DYNAXX_WEBGPU_SUBMIT_BATCH;
  if (v === undefined || v === '') return SUBMIT_BATCH;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new BackendError('webgpu', `DYNAXX_WEBGPU_SUBMIT_BATCH must be a whole number of dispatches ≥ 1, not '${v}'`);
  return n;
}
