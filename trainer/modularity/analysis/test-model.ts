/**
 * Test fixture: a two-task MLP built by hand to be perfectly modular on the synthetic two-task set.
 * Hidden units 0..7 read only the left input half and write only the left task's logits; units 8..15
 * the right. Each block computes the nearest-prototype rule of its half exactly, so both tasks are
 * near 100% accurate: for class c, max(s_c, s_{c+C}) = relu(s_c − s_{c+C}) + relu(s_{c+C} + K) − K,
 * with s_j(x) = x·P_j − |P_j|²/2 (C = 3 classes, 2C prototypes per half). Units 6 and 7 of a block
 * duplicate units 0 and 1 (each copy at half weight), so every unit is alive and serves its task.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadModelText } from '../../../spec';
import { generateSynthetic, twoTaskTruth } from '../../data/synthetic';
import type { Split, TaskInfo } from '../../data/types';
import { SequentialModel } from '../../engine/model';
import type { Partition } from './types';

export const CLASSES = 3;
export const FEATURES = 8;
export const HIDDEN = 16;
const SEED = 5;
const K = 20;
/** Logit scale: keeps the softmax away from saturation so gradients are informative. */
const ALPHA = 0.5;

const MODEL = `name: modular
data: { source: synthetic, kind: two-task, samples: 64, classes: ${CLASSES}, features: ${FEATURES} }
model:
  input: [${FEATURES}]
  layers:
    - { type: dense, name: hidden, units: ${HIDDEN}, activation: relu }
    - { type: dense, name: out, units: ${2 * CLASSES} }
train: { steps: 1, batchSize: 16, seed: 1, backend: cpu }
`;

export interface Fixture {
  net: SequentialModel;
  split: Split;
  tasks: TaskInfo[];
  sampleShape: number[];
}

export function modularFixture(samples = 600): Fixture {
  const model = loadModelText(MODEL, 'modular.dynaxx.yaml');
  const net = new SequentialModel(model.layers, 1);
  const data = generateSynthetic({ kind: 'two-task', samples, classes: CLASSES, features: FEATURES, seed: SEED });
  const truth = twoTaskTruth(CLASSES, FEATURES, SEED);
  const half = FEATURES / 2;
  const w1 = new Float32Array(FEATURES * HIDDEN);
  const b1 = new Float32Array(HIDDEN);
  const w2 = new Float32Array(HIDDEN * 2 * CLASSES);
  const b2 = new Float32Array(2 * CLASSES);
  const sqHalf = (p: Float32Array, j: number) => {
    let s = 0;
    for (let d = 0; d < half; d++) s += p[j * half + d] ** 2;
    return s / 2;
  };
  [truth.left, truth.right].forEach((protos, task) => {
    const unit0 = task * 8;
    const in0 = task * half;
    const out0 = task * CLASSES;
    const setUnit = (u: number, weights: (d: number) => number, bias: number, c: number, scale: number) => {
      for (let d = 0; d < half; d++) w1[(in0 + d) * HIDDEN + unit0 + u] = weights(d);
      b1[unit0 + u] = bias;
      w2[(unit0 + u) * 2 * CLASSES + out0 + c] = ALPHA * scale;
    };
    for (let c = 0; c < CLASSES; c++) {
      const a = c;
      const b = c + CLASSES;
      const scale = c === 0 ? 0.5 : 1;
      setUnit(2 * c, (d) => protos[a * half + d] - protos[b * half + d], sqHalf(protos, b) - sqHalf(protos, a), c, scale);
      setUnit(2 * c + 1, (d) => protos[b * half + d], K - sqHalf(protos, b), c, scale);
      b2[out0 + c] = -ALPHA * K;
    }
    // units 6, 7: half-weight copies of units 0, 1 (class 0)
    setUnit(6, (d) => protos[0 * half + d] - protos[CLASSES * half + d], sqHalf(protos, CLASSES) - sqHalf(protos, 0), 0, 0.5);
    setUnit(7, (d) => protos[CLASSES * half + d], K - sqHalf(protos, CLASSES), 0, 0.5);
  });
  const values = new Map([
    ['hidden/kernel', tf.tensor(w1, [FEATURES, HIDDEN])],
    ['hidden/bias', tf.tensor(b1, [HIDDEN])],
    ['out/kernel', tf.tensor(w2, [HIDDEN, 2 * CLASSES])],
    ['out/bias', tf.tensor(b2, [2 * CLASSES])],
  ]);
  for (const v of net.trainable()) {
    const t = values.get(v.name)!;
    v.variable.assign(t);
    t.dispose();
  }
  return { net, split: { x: data.train.x, y: data.train.y, n: samples }, tasks: data.tasks, sampleShape: data.sampleShape };
}

/** The ground-truth partition of the hidden layer: units 0..7 → 0 (left), 8..15 → 1 (right). */
export function cleanPartition(): Partition {
  const labels = new Int32Array(HIDDEN);
  for (let u = 8; u < HIDDEN; u++) labels[u] = 1;
  return { k: 2, layers: [{ layerId: 'hidden', labels }] };
}
