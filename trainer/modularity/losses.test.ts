/**
 * The tensor math of emergent modularity, each function against a hand computation on small tensors:
 * assignments, masks, cross indicators, weight mass (dense, dense after a flatten, conv), the modularity,
 * diversity and mask-cost losses, the temperature schedule, and the gradient of the modularity loss.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  assignmentMatrix, crossIndicator, diversity, maskCost, modularityLoss, subnetworkMasks, temperatureAt, unitActivity, unitMask, unitWeightMass,
} from './losses';

before(async () => {
  await tf.setBackend('cpu');
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Runs `f` in a tidy, returns the host values and checks that nothing leaked. */
function values(f: () => tf.Tensor): { data: Float32Array; shape: number[] } {
  const n = tf.memory().numTensors;
  const t = tf.tidy(f);
  const out = { data: t.dataSync() as Float32Array, shape: t.shape.slice() };
  t.dispose();
  assert.equal(tf.memory().numTensors, n, 'no tensor left behind');
  return out;
}

test('assignmentMatrix: one-hot rows; a label of −1 or ≥ k is a row of zeros', () => {
  const a = values(() => assignmentMatrix(Int32Array.from([0, 2, -1, 1, 3, 2]), 3));
  assert.deepEqual(a.shape, [6, 3]);
  assert.deepEqual(Array.from(a.data), [
    1, 0, 0,
    0, 0, 1,
    0, 0, 0,
    0, 1, 0,
    0, 0, 0,
    0, 0, 1,
  ]);
});

test('subnetworkMasks = sigmoid(θ/T); unitMask gives each unit its subnetwork\'s mask (0 when unassigned)', () => {
  const theta = [3, -1, 0.5];
  for (const T of [1, 0.25]) {
    const m = values(() => subnetworkMasks(tf.tensor1d(theta), T));
    close(m.data, theta.map((t) => sigmoid(t / T)), 1e-6, `T=${T}`);
  }
  const labels = [1, 0, -1, 2, 1];
  const u = values(() => unitMask(assignmentMatrix(Int32Array.from(labels), 3), subnetworkMasks(tf.tensor1d(theta), 0.5)));
  assert.deepEqual(u.shape, [5]);
  close(u.data, labels.map((l) => (l < 0 ? 0 : sigmoid(theta[l]! / 0.5))), 1e-6);
});

test('crossIndicator: 1 between units of different subnetworks and for unassigned units, 0 within one', () => {
  const from = [0, 1, -1];
  const to = [1, 0, 1, 2];
  const x = values(() => crossIndicator(assignmentMatrix(Int32Array.from(from), 3), assignmentMatrix(Int32Array.from(to), 3)));
  assert.deepEqual(x.shape, [3, 4]);
  const expected = from.flatMap((i) => to.map((j) => (i >= 0 && i === j ? 0 : 1)));
  assert.deepEqual(Array.from(x.data), expected);
});

test('unitWeightMass, dense: |W| itself when the rows are the units (positions 1)', () => {
  const w = [1, -2, 3, -4, 0.5, -0.25];
  const m = values(() => unitWeightMass(tf.tensor2d(w, [3, 2]), 1));
  assert.deepEqual(m.shape, [3, 2]);
  close(m.data, w.map(Math.abs));
});

test('unitWeightMass, dense after a flatten of NHWC [H, W, C]: row (h·W + w)·C + c is channel c', () => {
  const [H, Wd, C, out] = [2, 3, 2, 3];
  const rows = H * Wd * C;
  const kernel = Array.from({ length: rows * out }, (_, i) => (i % 5 - 2) * (1 + i / 10));
  // hand sum: for channel c and output o, Σ over h, w of |kernel[(h·W + w)·C + c, o]|
  const expected = new Array<number>(C * out).fill(0);
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < Wd; w++) {
      for (let c = 0; c < C; c++) {
        for (let o = 0; o < out; o++) expected[c * out + o]! += Math.abs(kernel[((h * Wd + w) * C + c) * out + o]!);
      }
    }
  }
  const m = values(() => unitWeightMass(tf.tensor2d(kernel, [rows, out]), H * Wd));
  assert.deepEqual(m.shape, [C, out]);
  close(m.data, expected);
  // and that is the layout tf's flatten of an NHWC activation produces
  const flat = values(() => tf.reshape(tf.tensor4d(Array.from({ length: rows }, (_, i) => i), [1, H, Wd, C]), [1, rows]));
  for (let h = 0; h < H; h++) for (let w = 0; w < Wd; w++) for (let c = 0; c < C; c++) assert.equal(flat.data[(h * Wd + w) * C + c], (h * Wd + w) * C + c);
});

test('unitWeightMass, conv: |kernel| [kh, kw, in, out] summed over the window to [in, out]', () => {
  const [kh, kw, cin, cout] = [2, 2, 3, 2];
  const kernel = Array.from({ length: kh * kw * cin * cout }, (_, i) => Math.sin(i + 1) * 3);
  const expected = new Array<number>(cin * cout).fill(0);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) expected[i * cout + o]! += Math.abs(kernel[((a * kw + b) * cin + i) * cout + o]!);
    }
  }
  const m = values(() => unitWeightMass(tf.tensor4d(kernel, [kh, kw, cin, cout]), 1));
  assert.deepEqual(m.shape, [cin, cout]);
  close(m.data, expected);
});

test('modularityLoss = Σ over connections of Σ X ⊙ |W|', () => {
  const w1 = [1, -2, 3, -4, 5, -6]; // [3, 2]
  const x1 = [0, 1, 1, 0, 1, 1];
  const k2 = Array.from({ length: 2 * 2 * 2 * 1 }, (_, i) => i - 3.5); // conv [2, 2, 2, 1]
  const x2 = [1, 0];
  const mass2 = [0, 1].map((i) => [0, 1, 2, 3].reduce((s, p) => s + Math.abs(k2[p * 2 + i]!), 0));
  const expected = w1.reduce((s, w, i) => s + x1[i]! * Math.abs(w), 0) + x2[0]! * mass2[0]! + x2[1]! * mass2[1]!;
  const l = values(() => modularityLoss([
    { kernel: tf.tensor2d(w1, [3, 2]), positions: 1, cross: tf.tensor2d(x1, [3, 2]) },
    { kernel: tf.tensor4d(k2, [2, 2, 2, 1]), positions: 1, cross: tf.tensor2d(x2, [2, 1]) },
  ]));
  assert.deepEqual(l.shape, []);
  close(l.data, [expected]);
});

test('the gradient of modularityLoss w.r.t. a kernel is sign(W) on cross entries and 0 inside a subnetwork', () => {
  const from = Int32Array.from([0, 0, 1]);
  const to = Int32Array.from([0, 1]);
  const w = [0.5, -1.5, 2, 0.25, -3, 1];
  const kernel = tf.variable(tf.tensor2d(w, [3, 2]));
  const n = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => {
    const cross = crossIndicator(assignmentMatrix(from, 2), assignmentMatrix(to, 2));
    return modularityLoss([{ kernel, positions: 1, cross }]);
  }, [kernel]);
  const g = grads[kernel.name]!.dataSync();
  const expected = w.map((v, i) => {
    const same = from[Math.floor(i / 2)] === to[i % 2];
    return same ? 0 : Math.sign(v);
  });
  assert.deepEqual(Array.from(g), expected);
  tf.dispose([value, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, n);
  kernel.dispose();
});

test('unitActivity: mean |activation| per sample and unit, over the spatial positions', () => {
  const y2 = [1, -2, -3, 4];
  close(values(() => unitActivity(tf.tensor2d(y2, [2, 2]))).data, y2.map(Math.abs));
  // [B=2, H=1, W=2, C=2]
  const y4 = [1, -2, 3, -4, -5, 6, 7, -8];
  const a = values(() => unitActivity(tf.tensor4d(y4, [2, 1, 2, 2])));
  assert.deepEqual(a.shape, [2, 2]);
  close(a.data, [(1 + 3) / 2, (2 + 4) / 2, (5 + 7) / 2, (6 + 8) / 2]);
});

/** Host version of `diversity` for labels (−1 = unassigned), k subnetworks. */
function handDiversity(act: number[][], labels: number[], k: number): { loss: number; cos: number[][] } {
  const B = act.length;
  const sizes = Array.from({ length: k }, (_, j) => labels.filter((l) => l === j).length);
  const profile = act.map((row) => Array.from({ length: k }, (_, j) => row.reduce((s, v, u) => s + (labels[u] === j ? v : 0), 0) / Math.max(1, sizes[j]!)));
  const mean = Array.from({ length: k }, (_, j) => profile.reduce((s, r) => s + r[j]!, 0) / B);
  const centred = profile.map((r) => r.map((v, j) => v - mean[j]!));
  const norm = Array.from({ length: k }, (_, j) => Math.sqrt(centred.reduce((s, r) => s + r[j]! ** 2, 0) + 1e-12));
  const cos = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => centred.reduce((s, r) => s + (r[i]! / norm[i]!) * (r[j]! / norm[j]!), 0)));
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j || sizes[i] === 0 || sizes[j] === 0) continue;
      sum += cos[i]![j]! ** 2;
      pairs++;
    }
  }
  return { loss: sum / Math.max(1, pairs), cos };
}

/** The tensors the plugin builds from labels: the column-normalised assignment and the valid-pair mask. */
function diversityInputs(labels: number[], k: number): { assignNorm: tf.Tensor2D; valid: tf.Tensor2D } {
  const sizes = Array.from({ length: k }, (_, j) => labels.filter((l) => l === j).length);
  const a = assignmentMatrix(Int32Array.from(labels), k);
  const assignNorm = tf.div(a, tf.tensor2d(sizes.map((s) => Math.max(1, s)), [1, k])) as tf.Tensor2D;
  const valid: number[] = [];
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) valid.push(i !== j && sizes[i]! > 0 && sizes[j]! > 0 ? 1 : 0);
  return { assignNorm, valid: tf.tensor2d(valid, [k, k]) };
}

test('diversity: cosines of centred profiles; loss = mean cos² over valid pairs (no diagonal, no empty subnetwork)', () => {
  const act = [
    [1, 0.5, 2, 0, 3, 1],
    [0, 1.5, 1, 1, 0.5, 2],
    [2, 0, 0, 3, 1, 0.5],
    [0.5, 2, 1.5, 1, 2, 0],
  ];
  // subnetwork 3 is empty; unit 5 is unassigned
  const labels = [0, 1, 0, 2, 1, -1];
  const k = 4;
  const hand = handDiversity(act, labels, k);
  const n = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const { assignNorm, valid } = diversityInputs(labels, k);
    const d = diversity(tf.tensor2d(act), assignNorm, valid);
    return [d.loss, d.cos];
  });
  const [loss, cos] = out.map((t) => t.dataSync());
  tf.dispose(out);
  assert.equal(tf.memory().numTensors, n);
  close(cos!, hand.cos.flat(), 1e-4, 'cos');
  close(loss!, [hand.loss], 1e-4, 'loss');
  // by hand: 3 non-empty subnetworks → 6 ordered pairs; the diagonal (cos 1) and subnetwork 3 do not count
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(cos![i * k + i]! - 1) < 1e-4);
  const offDiag = [[0, 1], [0, 2], [1, 2]].map(([i, j]) => hand.cos[i!]![j!]! ** 2);
  close(loss!, [(2 * offDiag.reduce((a, b) => a + b, 0)) / 6], 1e-4, 'loss by pairs');
  assert.ok(loss![0]! < 1, 'the diagonal is not in the mean');
});

test('diversity: identical profiles give loss 1, opposite-signed centred profiles too, orthogonal ones 0', () => {
  const run = (act: number[][], labels: number[], k: number) => tf.tidy(() => {
    const { assignNorm, valid } = diversityInputs(labels, k);
    return diversity(tf.tensor2d(act), assignNorm, valid).loss;
  });
  const same = run([[1, 2], [3, 6], [2, 4]], [0, 1], 2); // unit 1 = 2 × unit 0 → cos 1
  close(same.dataSync(), [1], 1e-5);
  const opposite = run([[1, 5], [3, 1], [2, 3]], [0, 1], 2); // centred: (−1, 2), (1, −2), (0, 0) → cos −1
  close(opposite.dataSync(), [1], 1e-5);
  const orth = run([[1, 0], [-1, 0], [0, 1], [0, -1]].map((r) => r.map((v) => v + 2)), [0, 1], 2);
  close(orth.dataSync(), [0], 1e-5);
  // a single non-empty subnetwork: no valid pair, loss 0 (not NaN)
  const one = run([[1, 2], [3, 1]], [1, 1], 3);
  close(one.dataSync(), [0]);
  tf.dispose([same, opposite, orth, one]);
});

test('maskCost = Σ_k m_k · share_k', () => {
  const m = [0.9, 0.1, 0.5];
  const share = [0.5, 0.25, 0.25];
  close(values(() => maskCost(tf.tensor1d(m), tf.tensor1d(share))).data, [0.9 * 0.5 + 0.1 * 0.25 + 0.5 * 0.25]);
});

test('temperatureAt: t0 at 0, t1 at 1, the geometric mean halfway, clamped outside [0, 1]', () => {
  assert.equal(temperatureAt(1, 0.05, 0), 1);
  assert.ok(Math.abs(temperatureAt(1, 0.05, 1) - 0.05) < 1e-15);
  assert.ok(Math.abs(temperatureAt(1, 0.05, 0.5) - Math.sqrt(0.05)) < 1e-12);
  assert.ok(Math.abs(temperatureAt(2, 0.5, 0.5) - 1) < 1e-12);
  assert.ok(Math.abs(temperatureAt(4, 0.25, 0.25) - 2) < 1e-12, 'log-linear: a quarter of the way is 4·(1/16)^¼');
  assert.equal(temperatureAt(1, 0.05, -3), 1);
  assert.ok(Math.abs(temperatureAt(1, 0.05, 7) - 0.05) < 1e-15);
});
