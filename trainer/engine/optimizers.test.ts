import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { OptimizerSpec } from '../../spec/types';
import { clipScale, globalNorm } from './loss';
import { createLrSchedule, registerLrSchedule } from './lr-schedules';
import type { NamedVariable } from './module';
import { createOptimizer } from './optimizers';

const spec = (o: Partial<OptimizerSpec>): OptimizerSpec => ({ type: 'adam', lr: 0.1, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, ...o });

function steps(o: Partial<OptimizerSpec>, grads: number[], w0 = 1): number {
  const v = tf.variable(tf.scalar(w0));
  const nv: NamedVariable = { name: 'w', variable: v, layerId: 'l', role: 'kernel' };
  const opt = createOptimizer(spec(o));
  for (const g of grads) opt.apply([nv], new Map([['w', tf.scalar(g)]]), spec(o).lr);
  const out = v.dataSync()[0];
  opt.dispose();
  v.dispose();
  return out;
}

test('sgd, momentum, adam and adamw follow their update formulas', async () => {
  await tf.setBackend('cpu');
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  near(steps({ type: 'sgd' }, [2, 1]), 1 - 0.1 * 2 - 0.1 * 1);
  // momentum: m1 = 2, w = 1 - 0.2; m2 = 0.9*2 + 1 = 2.8, w -= 0.28
  near(steps({ type: 'momentum' }, [2, 1]), 1 - 0.2 - 0.28);
  // adam, first step: m̂ = g, v̂ = g², update = lr·g/(|g|+ε) ≈ lr
  near(steps({ type: 'adam' }, [2]), 1 - 0.1 * 2 / (2 + 1e-7));
  // two steps by hand
  let m = 0, v = 0, w = 1;
  [2, -1].forEach((g, i) => {
    m = 0.9 * m + 0.1 * g; v = 0.999 * v + 0.001 * g * g;
    const mh = m / (1 - 0.9 ** (i + 1)), vh = v / (1 - 0.999 ** (i + 1));
    w -= 0.1 * mh / (Math.sqrt(vh) + 1e-7);
  });
  near(steps({ type: 'adam' }, [2, -1]), w);
  // adamw: decoupled decay lr·wd·w on top of the adam step; adam with decay folds it into the gradient
  near(steps({ type: 'adamw', weightDecay: 0.5 }, [2]), 1 - 0.1 * 2 / (2 + 1e-7) - 0.1 * 0.5 * 1);
  near(steps({ type: 'adam', weightDecay: 0.5 }, [2]), 1 - 0.1 * 2.5 / (2.5 + 1e-7));
});

test('learning-rate schedules: constant, linear warm-up, cosine to a floor', () => {
  const c = createLrSchedule({ type: 'constant', warmupSteps: 0, minFactor: 0 });
  assert.equal(c.at(50, 100, 0.1), 0.1);
  const w = createLrSchedule({ type: 'warmup', warmupSteps: 10, minFactor: 0 });
  assert.ok(Math.abs(w.at(0, 100, 1) - 0.1) < 1e-12);
  assert.equal(w.at(9, 100, 1), 1);
  assert.equal(w.at(50, 100, 1), 1);
  const cos = createLrSchedule({ type: 'cosine', warmupSteps: 10, minFactor: 0.1 });
  assert.equal(cos.at(10, 110, 1), 1);
  assert.ok(Math.abs(cos.at(109, 110, 1) - 0.1) < 1e-12);
  assert.ok(Math.abs(cos.at(59.5, 110, 1) - 0.55) < 1e-9, 'halfway between peak and floor');
  assert.throws(() => createLrSchedule({ type: 'nope' as 'constant', warmupSteps: 0, minFactor: 0 }), /use one of constant, warmup, cosine/);
});

test('a technique registers a schedule by name; the engine keeps its own names', () => {
  registerLrSchedule('half', () => ({ at: (_s, _t, base) => base / 2 }));
  assert.equal(createLrSchedule({ type: 'half' as 'constant', warmupSteps: 0, minFactor: 0 }).at(3, 10, 0.5), 0.25);
  assert.throws(() => registerLrSchedule('cosine', () => ({ at: () => 0 })), /engine's own/);
  assert.throws(() => createLrSchedule({ type: 'nope' as 'constant', warmupSteps: 0, minFactor: 0 }), /use one of constant, warmup, cosine, half/);
});

test('clipping by global norm scales all gradients together in the update, and leaves small ones alone', async () => {
  await tf.setBackend('cpu');
  const g = new Map<string, tf.Tensor>([['a', tf.tensor([3, 0])], ['b', tf.tensor([4])]]);
  const n = globalNorm([...g.values()]);
  assert.equal(n.dataSync()[0], 5);
  const step = (clip: number) => {
    const vars: NamedVariable[] = ['a', 'b'].map((name) => ({ name, variable: tf.variable(tf.zerosLike(g.get(name)!)), layerId: name, role: 'kernel' }));
    const opt = createOptimizer(spec({ type: 'sgd', lr: 1 }));
    const scale = clipScale(n, clip);
    opt.apply(vars, g, 1, scale);
    const out = vars.map((v) => Array.from(v.variable.dataSync()).map((x) => Math.round(x * 1e5) / 1e5));
    tf.dispose([scale, ...vars.map((v) => v.variable)]);
    return out;
  };
  // clipped to norm 1: every gradient times 1/5
  assert.deepEqual(step(1), [[-0.6, 0], [-0.8]]);
  assert.deepEqual(step(10), [[-3, 0], [-4]]);
});
