/**
 * Softmax cross-entropy in one dispatch forward and one backward (contract: SOFTMAX_XENT and SOFTMAX_XENT_GRAD in
 * engine/fused-kernels.ts), instead of tfjs's logSoftmax, one-hot, product, sum, negation and their gradients (about
 * a dozen dispatches each way). Forward: one thread per row computes the max, the log-sum-exp and the negative
 * log-likelihood of its label. Backward: one thread per logit, (exp(l − lse) − [c = label])·dy.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SOFTMAX_XENT, SOFTMAX_XENT_GRAD } from '../engine/fused-kernels';
import { pipeline, record, uniforms, type WebGpuBackendLike } from './webgpu-dispatch';

const THREADS = 64;

const FORWARD = `
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> nll: array<f32>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;
struct Params { rows: u32, classes: u32 }
@group(0) @binding(4) var<uniform> p: Params;
@compute @workgroup_size(${THREADS})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.y * nwg.x * ${THREADS}u + gid.x;
  if (r >= p.rows) { return; }
  let base = r * p.classes;
  var m = logits[base];
  for (var c = 1u; c < p.classes; c = c + 1u) { m = max(m, logits[base + c]); }
  var s = 0.0;
  for (var c = 0u; c < p.classes; c = c + 1u) { s = s + exp(logits[base + c] - m); }
  let z = m + log(s);
  lse[r] = z;
  let y = labels[r];
  if (y < 0 || u32(y) >= p.classes) { nll[r] = 0.0; } else { nll[r] = z - logits[base + u32(y)]; }
}`;

const BACKWARD = `
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read> lse: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
struct Params { rows: u32, classes: u32 }
@group(0) @binding(5) var<uniform> p: Params;
@compute @workgroup_size(${THREADS})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * ${THREADS}u + gid.x;
  if (i >= p.rows * p.classes) { return; }
  let r = i / p.classes;
  let c = i % p.classes;
  let y = labels[r];
  if (y < 0 || u32(y) >= p.classes) { dx[i] = 0.0; return; }
  let hit = select(0.0, 1.0, u32(y) == c);
  dx[i] = (exp(logits[i] - lse[r]) - hit) * dy[r];
}`;

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown };

function forward({ inputs, backend }: Args): tf.TensorInfo[] {
  const b = backend as WebGpuBackendLike;
  const { logits, labels } = inputs as Record<string, tf.TensorInfo>;
  const [rows, classes] = logits!.shape as [number, number];
  const nll = b.makeTensorInfo([rows], 'float32');
  const lse = b.makeTensorInfo([rows], 'float32');
  record(b, pipeline(b, 'SoftmaxXent', () => FORWARD), [logits!, labels!, nll, lse], uniforms(b, new Uint32Array([rows, classes, 0, 0])), Math.ceil(rows / THREADS));
  return [nll, lse];
}

function backward({ inputs, backend }: Args): tf.TensorInfo {
  const b = backend as WebGpuBackendLike;
  const { logits, labels, lse, dy } = inputs as Record<string, tf.TensorInfo>;
  const [rows, classes] = logits!.shape as [number, number];
  const dx = b.makeTensorInfo([rows, classes], 'float32');
  record(b, pipeline(b, 'SoftmaxXentGrad', () => BACKWARD), [logits!, labels!, lse!, dy!, dx], uniforms(b, new Uint32Array([rows, classes, 0, 0])), Math.ceil((rows * classes) / THREADS));
  return dx;
}

/** Registers both kernels for the webgpu backend (once). */
export function installWebGpuXent(): void {
  if (tf.getKernel(SOFTMAX_XENT, 'webgpu')) return;
  tf.registerKernel({ kernelName: SOFTMAX_XENT, backendName: 'webgpu', kernelFunc: forward as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: SOFTMAX_XENT_GRAD, backendName: 'webgpu', kernelFunc: backward as unknown as tf.KernelFunc });
}
