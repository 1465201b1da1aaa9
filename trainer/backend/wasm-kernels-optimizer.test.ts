/**
 * The wasm fused optimizer update gives the op-by-op update's numbers (20 training steps of a small net, every optimizer);
 * the fused sum of squares gives the op-by-op global norm; the fused cross-entropy the logSoftmax form's loss and gradient.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { OptimizerSpec } from '../../spec/types';
import { OPTIMIZER_UPDATE, SOFTMAX_XENT, SOFTMAX_XENT_GRAD, SUM_SQUARES } from '../engine/fused-kernels';
import { crossEntropy, globalNorm } from '../engine/loss';
import type { NamedVariable } from '../engine/module';
import { createOptimizer } from '../engine/optimizers';
import { initBackend } from './backends';

/** 20 steps of a two-layer net (odd sizes) on fixed data; the weights and slots after them. */
function train(o: Partial<OptimizerSpec>, clip: boolean): Float32Array[] {
  const spec: OptimizerSpec = { type: 'adam', lr: 0.01, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, ...o };
  const shapes: Record<string, number[]> = { w1: [13, 37], b1: [37], w2: [37, 5] };
  const vars: NamedVariable[] = Object.entries(shapes).map(([name, shape], i) => ({
    name, layerId: 'l', role: name.startsWith('b') ? 'bias' : 'kernel', variable: tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 0.3, 'float32', i + 1), true, `${name}-${uid++}`)),
  }) as NamedVariable);
  const x = tf.randomNormal([16, 13], 0, 1, 'float32', 7);
  const y = tf.randomNormal([16, 5], 0, 1, 'float32', 8);
  const opt = createOptimizer(spec);
  for (let step = 0; step < 20; step++) {
    const { value, grads } = tf.variableGrads(() => {
      const [w1, b1, w2] = vars.map((v) => v.variable);
      const h = tf.relu(tf.add(tf.matMul(x, w1!), b1!));
      return tf.mean(tf.square(tf.sub(tf.matMul(h, w2!), y)));
    }, vars.map((v) => v.variable));
    const byName = new Map(vars.map((v) => [v.name, grads[v.variable.name]!]));
    const scale = clip ? tf.scalar(0.7) : undefined;
    opt.apply(vars, byName, spec.lr, scale);
    tf.dispose([value, ...Object.values(grads), ...(scale ? [scale] : [])]);
  }
  const out = [...vars.map((v) => v.variable), ...opt.stateVariables(vars).map((s) => s.variable)].map((t) => t.dataSync() as Float32Array);
  opt.dispose();
  tf.dispose([x, y, ...vars.map((v) => v.variable)]);
  return out;
}
let uid = 0;

test('the wasm fused optimizer update equals the op-by-op update after 20 steps (sgd, momentum, adam, adamw; decay; clip scale)', async () => {
  await initBackend('wasm');
  const kernel = tf.getKernel(OPTIMIZER_UPDATE, 'wasm');
  assert.ok(kernel, 'the wasm backend registers the fused update');
  const specs: Array<Partial<OptimizerSpec>> = [
    { type: 'sgd' }, { type: 'sgd', weightDecay: 0.01 }, { type: 'momentum', weightDecay: 0.01 }, { type: 'adam' }, { type: 'adam', weightDecay: 0.02 },
    { type: 'adamw', weightDecay: 0.05 },
  ];
  for (const o of specs) {
    for (const clip of [false, true]) {
      const before = tf.memory().numTensors;
      const fused = train(o, clip);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      tf.unregisterKernel(OPTIMIZER_UPDATE, 'wasm');
      let ops: Float32Array[];
      try {
        ops = train(o, clip);
      } finally {
        tf.registerKernel(kernel!);
      }
      assert.equal(fused.length, ops.length);
      fused.forEach((a, k) => a.forEach((x, i) => {
        const want = ops[k]![i]!;
        assert.ok(Math.abs(x - want) <= 1e-6 * Math.max(Math.abs(want), 1e-3), `${o.type} ${JSON.stringify(o)} clip ${clip} tensor ${k}[${i}]: fused ${x} vs ops ${want}`);
      }));
    }
  }
});

test('the wasm fused sum of squares equals square-and-sum, per tensor and as the global norm (sizes 1 to 100k, odd ones)', async () => {
  await initBackend('wasm');
  const kernel = tf.getKernel(SUM_SQUARES, 'wasm');
  assert.ok(kernel, 'the wasm backend registers the fused sum of squares');
  const sizes = [1, 3, 4, 5, 16, 17, 63, 64, 65, 1000, 4099, 100003];
  const xs = sizes.map((n, i) => tf.randomNormal([n], 0, 1 + i, 'float32', 400 + i));
  const per = tf.engine().runKernel(SUM_SQUARES, Object.fromEntries(xs.map((x, i) => [`x${i}`, x]))) as tf.Tensor;
  const got = per.dataSync();
  xs.forEach((x, i) => {
    // against the exact sum (float64) of the float32 squares: 16 partial sums are closer to it than tfjs's running sum
    const exact = Array.from(x.dataSync()).reduce((s: number, v: number) => s + Math.fround(v * v), 0);
    const ops = tf.tidy(() => tf.sum(tf.square(x)).dataSync()[0]!);
    assert.ok(Math.abs(got[i]! - exact) <= Math.max(1e-6 * exact, Math.abs(ops - exact)), `size ${sizes[i]}: ${got[i]} vs ${exact} (tfjs ${ops})`);
  });
  const fused = globalNorm(xs);
  tf.unregisterKernel(SUM_SQUARES, 'wasm');
  let ops: tf.Scalar;
  try {
    ops = globalNorm(xs);
  } finally {
    tf.registerKernel(kernel!);
  }
  const [f, o] = [fused.dataSync()[0]!, ops.dataSync()[0]!];
  assert.ok(Math.abs(f - o) <= 2e-5 * o, `global norm: fused ${f} vs ops ${o}`);
  tf.dispose([...xs, per, fused, ops]);
});

test('the wasm fused softmax cross-entropy equals logSoftmax and one-hot, in value and gradient, with an out-of-range label', async () => {
  await initBackend('wasm');
  const v = tf.variable(tf.randomNormal([37, 11], 0, 3, 'float32', 5));
  // row 5's label is 11, outside 0..10: it counts 0 and gets no gradient, as a one-hot of it would
  const labels = tf.tensor2d(Array.from({ length: 37 }, (_, i) => [i === 5 ? 11 : (i * 7) % 11]), [37, 1], 'int32');
  const tasks = [{ name: 'y', classes: 11 }];
  const lossAndGrad = () => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(v, labels, tasks), [v]);
    const out = { loss: value.dataSync()[0]!, grad: Array.from(grads[v.name]!.dataSync()) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const kernels = [SOFTMAX_XENT, SOFTMAX_XENT_GRAD].map((k) => tf.getKernel(k, 'wasm'));
  assert.ok(kernels.every((k) => k), 'the wasm backend registers the fused loss');
  const fused = lossAndGrad();
  for (const k of kernels) tf.unregisterKernel(k!.kernelName, 'wasm');
  let ops: { loss: number; grad: number[] };
  try {
    ops = lossAndGrad();
  } finally {
    for (const k of kernels) tf.registerKernel(k!);
  }
  assert.ok(Math.abs(fused.loss - ops.loss) <= 1e-5 * ops.loss, `loss: fused ${fused.loss} vs ops ${ops.loss}`);
  fused.grad.forEach((g, i) => assert.ok(Math.abs(g - ops.grad[i]!) <= 1e-6, `gradient ${i}: fused ${g} vs ops ${ops.grad[i]}`));
  assert.ok(fused.grad.slice(5 * 11, 6 * 11).every((g) => g === 0), 'the row with an out-of-range label has no gradient');
  tf.dispose([v, labels]);
});
