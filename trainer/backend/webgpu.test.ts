/**
 * The WebGPU backend's guarantees, on whatever adapter this machine has (lavapipe in CI): wide sums are correct,
 * a kernel the device cannot run is an error naming it, a Dawn error stops the next op instead of passing as
 * garbage, the fused optimizer update equals the op-by-op one, and a warm training step creates no GPU buffers.
 * Skips with the reason where there is no adapter. (test/webgpu/ compares whole runs with the cpu backend.)
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerSpec } from '../../spec/types';
import { parseModelText } from '../../spec';
import { loadDataset } from '../data/load';
import { TrainingLoop } from '../engine/loop';
import type { NamedVariable } from '../engine/module';
import { OPTIMIZER_UPDATE, SOFTMAX_XENT, SOFTMAX_XENT_GRAD, SUM_SQUARES } from '../engine/fused-kernels';
import { crossEntropy, globalNorm } from '../engine/loss';
import { createOptimizer } from '../engine/optimizers';
import { initBackend } from './backends';
import { counters, perStep } from './counters';
import { webgpuBackend } from './webgpu';
import { WebGpuFault } from './webgpu-device';

let skip: string | false = false;
before(async () => {
  const probe = await webgpuBackend.probe();
  if (!probe.available) skip = `no WebGPU adapter: ${probe.detail}`;
  else await initBackend('webgpu');
});

test('AddN over 600 tensors (a 300-layer gradient norm) sums correctly in one call', async (t) => {
  if (skip) return t.skip(skip);
  const xs = Array.from({ length: 600 }, (_, i) => tf.fill([3], i + 1));
  const sum = tf.addN(xs);
  assert.deepEqual(Array.from(await sum.data()), [180300, 180300, 180300]);
  tf.dispose([...xs, sum]);
});

test('a kernel binding more storage buffers than the device allows is an error that names it', (t) => {
  if (skip) return t.skip(skip);
  const backend = tf.backend() as unknown as { runWebGPUProgram(p: unknown, i: tf.TensorInfo[], d: string): unknown; device: { limits: Record<string, number> } };
  const n = backend.device.limits.maxStorageBuffersPerShaderStage!;
  const inputs = Array.from({ length: n }, () => tf.ones([2]));
  class WideSumProgram {
    outputShape = [2];
    variableNames = inputs.map((_, i) => `x${i}`);
  }
  assert.throws(() => backend.runWebGPUProgram(new WideSumProgram(), inputs, 'float32'),
    (e: Error) => e instanceof WebGpuFault && /WideSum would bind \d+ storage buffers/.test(e.message) && /--backend wasm/.test(e.message));
  tf.dispose(inputs);
});

test('a tensor larger than the largest storage binding is an error that says so, before any GPU memory is asked for', (t) => {
  if (skip) return t.skip(skip);
  const limit = (tf.backend() as unknown as { device: { limits: Record<string, number> } }).device.limits.maxStorageBufferBindingSize!;
  const n = Math.floor(limit / 4) + 1024;
  assert.throws(() => tf.fill([n], 1), (e: Error) => e instanceof WebGpuFault && /needs a tensor \[\d+\] of \d+ MiB, larger than this GPU's largest storage binding/.test(e.message) && /batchSize/.test(e.message));
});

test('the fused optimizer update equals the op-by-op update (sgd, momentum with decay, adam, adamw; clip scale)', async (t) => {
  if (skip) return t.skip(skip);
  const specs: Array<Partial<OptimizerSpec>> = [
    { type: 'sgd', weightDecay: 0.01 }, { type: 'momentum', weightDecay: 0.01 }, { type: 'adam' }, { type: 'adamw', weightDecay: 0.05 },
  ];
  const kernel = tf.getKernel(OPTIMIZER_UPDATE, 'webgpu');
  assert.ok(kernel, 'the webgpu backend registers the fused update');
  const run = async (o: Partial<OptimizerSpec>) => {
    const spec: OptimizerSpec = { type: 'adam', lr: 0.05, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, ...o };
    const w = tf.variable(tf.tensor([0.5, -1, 2, 0.25, 3, -2], [2, 3]));
    const nv: NamedVariable = { name: 'w', variable: w, layerId: 'l', role: 'kernel' };
    const opt = createOptimizer(spec);
    for (let i = 0; i < 3; i++) {
      const g = tf.tensor([1, -2, 0.5, 3, -1, 0.1].map((x) => x * (i + 1)), [2, 3]);
      const scale = tf.scalar(0.5);
      opt.apply([nv], new Map([['w', g]]), spec.lr, scale);
      tf.dispose([g, scale]);
    }
    const out = Array.from(await w.data());
    opt.dispose();
    w.dispose();
    return out;
  };
  for (const o of specs) {
    const fused = await run(o);
    tf.unregisterKernel(OPTIMIZER_UPDATE, 'webgpu');
    const ops = await run(o);
    tf.registerKernel(kernel!);
    fused.forEach((x, i) => assert.ok(Math.abs(x - ops[i]!) < 1e-5, `${o.type} weight ${i}: fused ${x} vs ops ${ops[i]}`));
  }
});

test('the fused update covers a weight too large for one row of workgroups (4.2M+ elements)', async (t) => {
  if (skip) return t.skip(skip);
  const n = 65535 * 64 + 4099; // past maxComputeWorkgroupsPerDimension × 64: the dispatch is two-dimensional
  const w = tf.variable(tf.fill([n], 1));
  const nv: NamedVariable = { name: 'big', variable: w, layerId: 'l', role: 'kernel' };
  const opt = createOptimizer({ type: 'sgd', lr: 0.5, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 });
  const g = tf.range(0, n, 1, 'float32');
  opt.apply([nv], new Map([['big', g]]), 0.5);
  const v = await w.data();
  for (const i of [0, 1, 65535 * 64 - 1, 65535 * 64, n - 1]) assert.equal(v[i], 1 - 0.5 * i, `element ${i}`);
  tf.dispose([w, g]);
  opt.dispose();
});

test('the fused gradient norm equals square-and-sum over 40 tensors of every size', async (t) => {
  if (skip) return t.skip(skip);
  const sizes = Array.from({ length: 40 }, (_, i) => [1, 7, 255, 256, 257, 1000, 4099, 1 << 20][i % 8]!);
  const xs = sizes.map((n, i) => tf.randomUniform([n], -1, 1, 'float32', i + 1));
  const kernel = tf.getKernel(SUM_SQUARES, 'webgpu');
  assert.ok(kernel, 'the webgpu backend registers the fused sum of squares');
  const fused = (await globalNorm(xs).data())[0]!;
  tf.unregisterKernel(SUM_SQUARES, 'webgpu');
  const ops = (await globalNorm(xs).data())[0]!;
  tf.registerKernel(kernel!);
  assert.ok(Math.abs(fused - ops) <= 1e-5 * ops, `fused ${fused} vs ops ${ops}`);
  tf.dispose(xs);
});

test('a warm training step creates no GPU buffers and reads the host only at log time', async (t) => {
  if (skip) return t.skip(skip);
  const { model } = parseModelText([
    'name: warm', 'data: { source: synthetic, kind: blobs, classes: 4, features: 32, samples: 256, validation: 0 }',
    'model:', '  input: [32]', '  layers:', '    - { type: dense, units: 32, activation: relu }', '    - { type: dense, units: 4 }',
    'train: { steps: 40, batchSize: 16, clipNorm: 1.0, evalEvery: 1000, checkpointEvery: 1000, optimizer: { type: adam, lr: 0.01 }, seed: 1 }',
  ].join('\n'), 'warm.dynaxx.yaml');
  const dataset = loadDataset(model!.data, { seed: 1 });
  let atWarm = counters();
  let seen = 0;
  const loop = new TrainingLoop({ model: model!, dataset, logEvery: 20 });
  const r = await loop.run({ onMetrics: (recs) => { if (recs[0]!.split === 'train' && ++seen === 1) atWarm = counters(); } });
  assert.equal(r.status, 'completed');
  const per = perStep(atWarm, counters(), 20);
  loop.dispose();
  // at most the staging buffer of one read in 20 warm steps; tfjs alone creates dozens per step
  assert.ok(per.buffersCreated * 20 <= 1, `buffers created per warm step: ${JSON.stringify(per)}`);
  assert.ok(per.hostReads <= 2 / 20, `one batched read per 20 steps: ${JSON.stringify(per)}`);
  assert.ok(per.dispatches > 0 && per.submits <= 3, JSON.stringify(per));
});

test('the fused softmax cross-entropy equals logSoftmax and one-hot, in value and gradient, with an out-of-range label', async (t) => {
  if (skip) return t.skip(skip);
  const v = tf.variable(tf.randomNormal([37, 11], 0, 3, 'float32', 5));
  // row 5's label is 11, outside 0..10: it counts 0 and gets no gradient, as a one-hot of it would
  const labels = tf.tensor2d(Array.from({ length: 37 }, (_, i) => [i === 5 ? 11 : (i * 7) % 11]), [37, 1], 'int32');
  const tasks = [{ name: 'y', classes: 11 }];
  const lossAndGrad = async () => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(v, labels, tasks), [v]);
    const out = { loss: (await value.data())[0]!, grad: Array.from(await grads[v.name]!.data()) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const kernels = [SOFTMAX_XENT, SOFTMAX_XENT_GRAD].map((k) => tf.getKernel(k, 'webgpu'));
  assert.ok(kernels.every((k) => k), 'the webgpu backend registers the fused loss');
  const fused = await lossAndGrad();
  for (const k of kernels) tf.unregisterKernel(k!.kernelName, 'webgpu');
  const ops = await lossAndGrad();
  for (const k of kernels) tf.registerKernel(k!);
  assert.ok(Math.abs(fused.loss - ops.loss) <= 1e-5 * ops.loss, `loss: fused ${fused.loss} vs ops ${ops.loss}`);
  fused.grad.forEach((g, i) => assert.ok(Math.abs(g - ops.grad[i]!) <= 1e-6, `gradient ${i}: fused ${g} vs ops ${ops.grad[i]}`));
  assert.ok(fused.grad.slice(5 * 11, 6 * 11).every((g) => g === 0), 'the row with an out-of-range label has no gradient');
  tf.dispose([v, labels]);
});

// last: it leaves the device faulted for the rest of this process
test('a Dawn validation error fails the next op with a message, never garbage', async (t) => {
  if (skip) return t.skip(skip);
  const device = (tf.backend() as unknown as { device: { createShaderModule(d: unknown): unknown; createComputePipeline(d: unknown): unknown } }).device;
  // an invalid pipeline, as tfjs's AddN made on real GPUs: Dawn reports it asynchronously
  device.createComputePipeline({ label: 'BrokenProgram', layout: 'auto', compute: { module: device.createShaderModule({ code: '@compute @workgroup_size(1) fn main() { let x: f32 = undefined_thing; }' }), entryPoint: 'main' } });
  // the loop's next batched read delivers it (Dawn reports errors when it processes events)
  const a = tf.ones([4]);
  await assert.rejects(tf.add(a, a).data(), (e: Error) => e instanceof WebGpuFault && /WebGPU reported an error/.test(e.message) && /last good checkpoint/.test(e.message));
  const big = tf.ones([4096]); // large enough that tfjs does not hand the add to the CPU
  assert.throws(() => tf.add(big, big), WebGpuFault, 'and every GPU kernel after it');
});
