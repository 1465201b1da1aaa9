/**
 * One WebGPU dispatch per weight for the whole optimizer update, instead of about ten kernels (and as many scalar
 * uploads) per weight: SGD, momentum, Adam and AdamW, with the global-norm clip scale and weight decay folded in.
 * Registered as the tfjs kernel OPTIMIZER_UPDATE (contract: engine/fused-kernels.ts) for the webgpu backend; engine/optimizers.ts uses it wherever a
 * backend has it and keeps its op-by-op update everywhere else, with the same formulas (tests hold them equal).
 * The new weight and slots are written to fresh buffers (a weight may be shared with a clone, so never in place)
 * and the variables take them over, like `assign`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OPTIMIZER_UPDATE, type OptimizerUpdateAttrs } from '../engine/fused-kernels';
import { pipeline, record, uniforms, type WebGpuBackendLike } from './webgpu-dispatch';

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

function update(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: unknown }): tf.TensorInfo[] {
  const backend = args.backend as WebGpuBackendLike;
  const a = args.attrs as unknown as OptimizerUpdateAttrs;
  const { w, g, scale } = args.inputs as Record<string, tf.TensorInfo>;
  const slots = (['m', 'v'] as const).slice(0, SLOTS[a.kind]).map((k) => args.inputs[k]!);
  const outs = [w!, ...slots].map((t) => backend.makeTensorInfo(t.shape, 'float32'));
  // the parameters change every step (learning rate, bias corrections): a pooled uniform, so a warm step creates no buffer
  const params = uniforms(backend, new Float32Array([a.lr, a.beta1, a.beta2, a.epsilon, a.c1, a.c2, a.weightDecay, a.decoupled ? 1 : 0]));
  const n = w!.shape.reduce((x, y) => x * y, 1);
  record(backend, pipeline(backend, `OptimizerUpdate-${a.kind}`, () => shader(a.kind)), [g!, w!, ...slots, scale!, ...outs], params, Math.ceil(n / WORKGROUP));
  return outs;
}

/** Registers the fused update for the webgpu backend (once). */
export function installWebGpuOptimizer(): void {
  if (tf.getKernel(OPTIMIZER_UPDATE, 'webgpu')) return;
  tf.registerKernel({ kernelName: OPTIMIZER_UPDATE, backendName: 'webgpu', kernelFunc: update as unknown as tf.KernelFunc });
}
