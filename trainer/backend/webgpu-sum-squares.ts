/**
 * The sum of squares of many tensors in a few dispatches (the gradient norm of every step): one workgroup per tensor
 * reduces it in shared memory and writes one element of a [k] output; each dispatch binds as many tensors as the
 * device allows, and writes its own slice of the same output. Registered as SUM_SQUARES (engine/fused-kernels.ts).
 * Replaces a square and a sum per tensor plus their AddN: 2k + 1 dispatches become ⌈k / (limit − 1)⌉.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SUM_SQUARES } from '../engine/fused-kernels';
import { pipeline, record, uniforms, type WebGpuBackendLike } from './webgpu-dispatch';
import { maxInputs } from './webgpu-kernels';

const THREADS = 256;

/** WGSL summing the squares of `k` bound tensors, tensor j in workgroup j, into out[offset + j]. */
function shader(k: number): string {
  const decl = Array.from({ length: k }, (_, j) => `@group(0) @binding(${j}) var<storage, read> x${j}: array<f32>;`).join('\n');
  const pick = Array.from({ length: k }, (_, j) =>
    `${j === 0 ? '' : ' else '}if (j == ${j}u) { let n = arrayLength(&x${j}); for (var i = t; i < n; i = i + ${THREADS}u) { let v = x${j}[i]; acc = acc + v * v; } }`).join('');
  return `${decl}
@group(0) @binding(${k}) var<storage, read_write> out: array<f32>;
struct Params { offset: u32 }
@group(0) @binding(${k + 1}) var<uniform> p: Params;
var<workgroup> part: array<f32, ${THREADS}>;
@compute @workgroup_size(${THREADS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let j = wg.x;
  var acc = 0.0;
  ${pick}
  part[t] = acc;
  workgroupBarrier();
  for (var s = ${THREADS / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { part[t] = part[t] + part[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) { out[p.offset + j] = part[0]; }
}`;
}

function sumSquares(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WebGpuBackendLike & Parameters<typeof maxInputs>[0];
  const xs = Object.keys(args.inputs).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).map((k) => args.inputs[k]!);
  const out = backend.makeTensorInfo([xs.length], 'float32');
  const width = maxInputs(backend);
  for (let i = 0; i < xs.length; i += width) {
    const chunk = xs.slice(i, i + width);
    record(backend, pipeline(backend, `SumSquares-${chunk.length}`, () => shader(chunk.length)), [...chunk, out], uniforms(backend, new Uint32Array([i, 0, 0, 0])), chunk.length);
  }
  return out;
}

/** Registers the kernel for the webgpu backend (once). */
export function installWebGpuSumSquares(): void {
  if (tf.getKernel(SUM_SQUARES, 'webgpu')) return;
  tf.registerKernel({ kernelName: SUM_SQUARES, backendName: 'webgpu', kernelFunc: sumSquares as unknown as tf.KernelFunc });
}
