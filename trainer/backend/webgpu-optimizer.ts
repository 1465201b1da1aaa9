/**
 * One WebGPU dispatch per weight for the whole optimizer update, instead of about ten kernels (and as many scalar
 * uploads) per weight: SGD, momentum, Adam and AdamW, with the global-norm clip scale and weight decay folded in.
 * Registered as the tfjs kernel OPTIMIZER_UPDATE (contract: engine/optimizer-kernel.ts) for the webgpu backend; engine/optimizers.ts uses it wherever a
 * backend has it and keeps its op-by-op update everywhere else, with the same formulas (tests hold them equal).
 * The new weight and slots are written to fresh buffers (a weight may be shared with a clone, so never in place)
 * and the variables take them over, like `assign`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { count } from './counters';
import { OPTIMIZER_UPDATE, type OptimizerUpdateAttrs } from '../engine/optimizer-kernel';
import { throwIfFaulted } from './webgpu-device';

const SLOTS = { sgd: 0, momentum: 1, adam: 2 } as const;
const WORKGROUP = 64;

/** WGSL for one kind: bindings g, w, slots…, scale, then the outputs, then the parameters. */
function shader(kind: OptimizerUpdateAttrs['kind']): string {
  const slots = SLOTS[kind];
  const ins = ['g', 'w', ...(slots >= 1 ? ['m'] : []), ...(slots >= 2 ? ['v'] : []), 'scale'];
  const outs = ['wOut', ...(slots >= 1 ? ['mOut'] : []), ...(slots >= 2 ? ['vOut'] : [])];
  const decl = [
    ...ins.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`),
    ...outs.map((n, i) => `@group(0) @binding(${ins.length + i}) var<storage, read_write> ${n}: array<f32>;`),
    `struct Params { lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32, wd: f32, decoupled: f32 }`,
    `@group(0) @binding(${ins.length + outs.length}) var<uniform> p: Params;`,
  ].join('\n');
  // the same order of operations as the op-by-op update in engine/optimizers.ts
  const body = {
    sgd: `let grad = select(gs, gs + wi * p.wd, p.wd != 0.0);
    wOut[i] = wi - grad * p.lr;`,
    momentum: `let grad = select(gs, gs + wi * p.wd, p.wd != 0.0);
    let m1 = m[i] * p.beta1 + grad;
    mOut[i] = m1;
    wOut[i] = wi - m1 * p.lr;`,
    adam: `let grad = select(gs, gs + wi * p.wd, p.wd != 0.0 && p.decoupled == 0.0);
    let m1 = m[i] * p.beta1 + grad * (1.0 - p.beta1);
    let v1 = v[i] * p.beta2 + (grad * grad) * (1.0 - p.beta2);
    mOut[i] = m1;
    vOut[i] = v1;
    var step = (m1 / (sqrt(v1 / p.c2) + p.epsilon)) * (p.lr / p.c1);
    if (p.decoupled != 0.0 && p.wd != 0.0) { step = step + wi * (p.lr * p.wd); }
    wOut[i] = wi - step;`,
  }[kind];
  return `${decl}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * ${WORKGROUP}u + gid.x;
  if (i >= arrayLength(&w)) { return; }
  let wi = w[i];
  let gs = g[i] * scale[0];
  ${body}
}`;
}

interface Gpu {
  createShaderModule(d: unknown): unknown;
  createComputePipeline(d: unknown): { getBindGroupLayout(i: number): unknown };
  createBindGroup(d: unknown): unknown;
  createBuffer(d: unknown): unknown;
  queue: { writeBuffer(b: unknown, off: number, data: ArrayBufferView): void };
  limits: Record<string, number>;
}
interface WebGpuBackendLike {
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
interface Pass {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
}

const pipelines = new Map<string, { getBindGroupLayout(i: number): unknown }>();

function pipelineFor(device: Gpu, kind: OptimizerUpdateAttrs['kind']) {
  let p = pipelines.get(kind);
  if (!p) {
    p = device.createComputePipeline({ label: `OptimizerUpdate-${kind}`, layout: 'auto', compute: { module: device.createShaderModule({ code: shader(kind) }), entryPoint: 'main' } });
    pipelines.set(kind, p);
  }
  return p;
}

/**
 * The parameters as a uniform buffer from tfjs's pool, returned to it at the next submit like tfjs's own uniforms
 * (they change every step: learning rate, bias corrections), so a warm step creates no buffer.
 */
function paramsBuffer(backend: WebGpuBackendLike, a: OptimizerUpdateAttrs): unknown {
  const values = new Float32Array([a.lr, a.beta1, a.beta2, a.epsilon, a.c1, a.c2, a.weightDecay, a.decoupled ? 1 : 0]);
  const b = backend.bufferManager.acquireBuffer(values.byteLength, 0x40 /* UNIFORM */ | 0x8 /* COPY_DST */);
  backend.device.queue.writeBuffer(b, 0, values);
  backend.uniformPendingDisposal.push(b);
  return b;
}

function update(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: unknown }): tf.TensorInfo[] {
  throwIfFaulted();
  const backend = args.backend as WebGpuBackendLike;
  const a = args.attrs as unknown as OptimizerUpdateAttrs;
  const { w, g, scale } = args.inputs as Record<string, tf.TensorInfo>;
  const slots = (['m', 'v'] as const).slice(0, SLOTS[a.kind]).map((k) => args.inputs[k]!);
  const ins = [g!, w!, ...slots, scale!];
  const outs = [w!, ...slots].map((t) => backend.makeTensorInfo(t.shape, 'float32'));
  for (const t of [...ins, ...outs]) backend.uploadToGPU(t.dataId);
  const device = backend.device;
  const pipeline = pipelineFor(device, a.kind);
  const entries = [...ins, ...outs].map((t, i) => ({ binding: i, resource: { buffer: backend.tensorMap.get(t.dataId).resource } }));
  entries.push({ binding: entries.length, resource: { buffer: paramsBuffer(backend, a) } });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const n = w!.shape.reduce((x, y) => x * y, 1);
  const groups = Math.ceil(n / WORKGROUP);
  const maxX = device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  const x = Math.min(groups, maxX);
  const y = Math.ceil(groups / x);
  backend.ensureCommandEncoderReady();
  if (!backend.computePassEncoder) backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
  backend.computePassEncoder.setPipeline(pipeline);
  backend.computePassEncoder.setBindGroup(0, group);
  backend.computePassEncoder.dispatchWorkgroups(x, y, 1);
  count('dispatches');
  for (const t of [...ins, ...outs]) backend.commandQueueOwnedIds.add(t.dataId);
  backend.dispatchCountInPass++;
  if (backend.dispatchCountInPass >= (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number)) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  return outs;
}

/** Registers the fused update for the webgpu backend (once). */
export function installWebGpuOptimizer(): void {
  if (tf.getKernel(OPTIMIZER_UPDATE, 'webgpu')) return;
  tf.registerKernel({ kernelName: OPTIMIZER_UPDATE, backendName: 'webgpu', kernelFunc: update as unknown as tf.KernelFunc });
}
