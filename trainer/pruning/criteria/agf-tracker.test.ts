/**
 * The AGF tracker in the real training loop (cpu, a 4 → 6 → 3 MLP, SGD), against its definition recomputed
 * independently every step from the weights a spy plugin reads and the batches the loop draws: the plain
 * accumulated Taylor with alternation off (window sum and EMA), the gated phases with alternation on, the kinetic
 * term; no tensor leaks across steps; checkpoint round trip of its state.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { parseModelText } from '../../../spec';
import { initBackend } from '../../backend/backends';
import { gatherBatch, permutation } from '../../data/batches';
import { loadDataset } from '../../data/load';
import { crossEntropy } from '../../engine/loss';
import { TrainingLoop } from '../../engine/loop';
import type { LoopPlugin, PluginContext } from '../../engine/seams';
import type { ChannelGroup } from '../types';
import { AGF_PLUGIN_ID, agfTracker, type AgfOptions, type AgfTracker } from './agf-tracker';

const STEPS = 9;
const B = 8;
const H = 6;

function setup() {
  const text = `name: t
data: { source: synthetic, kind: blobs, samples: 80, classes: 3, features: 4 }
model:
  input: [4]
  layers:
    - { type: dense, name: h, units: ${H}, activation: tanh }
    - { type: dense, name: logits, units: 3 }
train: { steps: ${STEPS}, batchSize: ${B}, optimizer: { type: sgd, lr: 0.2 }, seed: 2, backend: cpu }
`;
  const r = parseModelText(text, 't.dynaxx.yaml');
  assert.ok(r.model, JSON.stringify(r.diagnostics));
  return { model: r.model, dataset: loadDataset(r.model.data, { seed: 4 }) };
}

const GROUP: ChannelGroup = { id: 'h', producer: 'h', producerType: 'dense', channels: H, coupledNorms: [], consumer: 'logits', consumerPositions: 1, flopsPerChannel: 1, paramsPerChannel: 1 };
const NAMES = ['h/kernel', 'h/bias', 'logits/kernel', 'logits/bias'];

/** Reads every weight before and after each update (host copies; tests only), and tf.memory after each step. */
class Spy implements LoopPlugin {
  readonly id = 'spy';
  before: Float32Array[][] = [];
  after: Float32Array[][] = [];
  tensors: number[] = [];
  constructor(private readonly ctx: PluginContext) {}
  private read(): Float32Array[] {
    return NAMES.map((n) => this.ctx.net.trainable().find((v) => v.name === n)!.variable.dataSync() as Float32Array);
  }
  trainable() { return []; }
  probes() { return []; }
  state() { return []; }
  transform() { return undefined; }
  extraLoss() { return undefined; }
  onGradients() { this.before.push(this.read()); }
  afterUpdate() { this.after.push(this.read()); this.tensors.push(tf.memory().numTensors); }
  async onRead() { return { metrics: {}, alerts: [] }; }
  saveState() { return null; }
  loadState() {}
  dispose() {}
}

async function run(opts: AgfOptions) {
  await initBackend('cpu');
  const parts = setup();
  let spy: Spy | undefined;
  const loop = new TrainingLoop({ ...parts, logEvery: 100, plugins: [agfTracker([GROUP], opts), (ctx) => (spy = new Spy(ctx))] });
  const tracker = loop.plugins.find((p) => p.id === AGF_PLUGIN_ID) as AgfTracker;
  const res = await loop.run({});
  assert.equal(res.status, 'completed', res.error);
  return { loop, tracker, spy: spy!, ...parts };
}

/** The loop's batch of `step` (same order as TrainingLoop). */
function batchOf(parts: ReturnType<typeof setup>, step: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const train = parts.dataset.train;
  const spe = Math.floor(train.n / B);
  const perm = permutation(train.n, parts.model.train.seed, Math.floor(step / spe));
  const b = step % spe;
  const batch = gatherBatch(train, perm.subarray(b * B, (b + 1) * B));
  return { x: tf.tensor2d(batch.x, [B, 4]), y: tf.tensor2d(batch.y, [B, 1], 'int32') };
}

const TASKS = [{ name: 'y', classes: 3 }];

/**
 * The definition, step by step: u_c = mean_n |a_c·∂ℓ_n/∂y_c| (+ λ|Σ g·Δw|) with y = m⊙a; gated phases (odd
 * phases) gate the lowest floor(f·C) channels by the utility at the phase's start.
 */
function reference(r: Awaited<ReturnType<typeof run>>, opts: AgfOptions): { utility: number[]; masks: number[][] } {
  const { window: W, phase, alternate } = opts;
  const ema = opts.accumulate === 'ema';
  const beta = 1 - 1 / W;
  const lambda = opts.kinetic ?? 0;
  const terms: number[][] = [];
  let acc = new Array(H).fill(0);
  let mask = new Array(H).fill(1);
  const masks: number[][] = [];
  const utility = (): number[] => ema
    ? acc.map((v) => v / (1 - beta ** terms.length))
    : Array.from({ length: H }, (_, c) => terms.slice(-W).reduce((s, t) => s + t[c]!, 0) / Math.min(W, terms.length));
  for (let t = 0; t < STEPS; t++) {
    const gated = alternate && Math.floor(t / phase) % 2 === 1;
    if (gated && t % phase === 0) {
      const u = utility();
      const k = Math.floor((opts.gateFraction ?? 0.25) * H);
      const order = u.map((v, c) => [v, c] as const).sort((a, b) => a[0] - b[0]).slice(0, k).map(([, c]) => c);
      mask = Array.from({ length: H }, (_, c) => (order.includes(c) ? 0 : 1));
      masks.push(mask);
    }
    const m = tf.tensor1d(gated ? mask : new Array(H).fill(1));
    const [W1, b1, W2, b2] = r.spy.before[t]!.map((d, i) => tf.tensor(d, i % 2 === 0 ? (i === 0 ? [4, H] : [H, 3]) : [i === 1 ? H : 3]));
    const { x, y } = batchOf(r, t);
    const net = (w1: tf.Tensor, bb1: tf.Tensor) => tf.tanh(tf.add(tf.matMul(x, w1 as tf.Tensor2D), bb1));
    const head = (z: tf.Tensor) => crossEntropy(tf.add(tf.matMul(z as tf.Tensor2D, W2 as tf.Tensor2D), b2!), y, TASKS);
    const a = net(W1!, b1!);
    const g = tf.grad((z: tf.Tensor) => head(z))(tf.mul(a, m));
    const term = Array.from(tf.sum(tf.abs(tf.mul(a, g)), 0).dataSync());
    if (lambda > 0) {
      const [gW, gb] = tf.grads((w1: tf.Tensor, bb1: tf.Tensor) => head(tf.mul(net(w1, bb1), m)))([W1!, b1!]);
      const dW = tf.sub(tf.tensor(r.spy.after[t]![0]!, [4, H]), W1!);
      const db = tf.sub(tf.tensor(r.spy.after[t]![1]!), b1!);
      const moved = tf.add(tf.sum(tf.mul(gW!, dW), 0), tf.mul(gb!, db)).dataSync();
      for (let c = 0; c < H; c++) term[c]! += lambda * Math.abs(moved[c]!);
    }
    terms.push(term);
    acc = acc.map((v, c) => beta * v + (1 - beta) * term[c]!);
  }
  return { utility: utility(), masks };
}

function close(actual: Float32Array, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-5 + 1e-4 * Math.abs(expected[i]!), `${what}[${i}]: ${actual[i]} ≠ ${expected[i]} (${Array.from(actual)} vs ${expected})`);
  }
}

async function check(opts: AgfOptions): Promise<Map<string, Float32Array>> {
  const r = await run(opts);
  const want = tf.tidy(() => reference(r, opts));
  const got = await r.tracker.trajectory();
  close(got.get('h')!, want.utility, 'utility');
  assert.ok(want.utility.some((v) => v > 0));
  if (want.masks.length > 0) assert.deepEqual(Array.from((await r.tracker.gates()).get('h')!), want.masks.at(-1));
  // no tensor growth step to step (the first steps build the optimizer's slots)
  assert.deepEqual(new Set(r.spy.tensors.slice(2)).size, 1, `tensors per step: ${r.spy.tensors}`);
  r.loop.dispose();
  return got;
}

test('alternation off: the mean of the last `window` Taylor terms |a·∂ℓ/∂a|', async () => {
  await check({ window: 3, alternate: false, phase: 2 });
});

test('alternation off, EMA accumulation', async () => {
  await check({ window: 4, accumulate: 'ema', alternate: false, phase: 2 });
});

test('alternation on: gated phases gate the lowest-utility half and credit the loss their absence costs', async () => {
  const on = await check({ window: 4, alternate: true, phase: 2, gateFraction: 0.5 });
  const off = await check({ window: 4, alternate: false, phase: 2 });
  assert.notDeepEqual(on.get('h'), off.get('h'));
});

test('kinetic term |Σ_c g·Δw| weighted by λ', async () => {
  await check({ window: 5, alternate: true, phase: 3, gateFraction: 0.34, kinetic: 10 });
});

test('state round trip and errors', async () => {
  await initBackend('cpu');
  const parts = setup();
  const loop = new TrainingLoop({ ...parts, plugins: [agfTracker([GROUP], { window: 2, alternate: false, phase: 1, start: 100 })] });
  const tracker = loop.plugins[0] as AgfTracker;
  await assert.rejects(tracker.trajectory(), /no training step has been accumulated/);
  assert.deepEqual(tracker.state().map((v) => v.name), ['agf/h/utility', 'agf/h/mask']);
  tracker.loadState({ n: 3, maskStep: 2 });
  assert.deepEqual(tracker.saveState(), { n: 3, maskStep: 2 });
  loop.dispose();
  assert.throws(() => agfTracker([GROUP], { window: 0, alternate: false, phase: 1 })({ net: loop.net } as PluginContext), /window must be an integer ≥ 1/);
});
