/** The device streaming clusterer computes the host reference's correlation summary and recovers planted groups. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../data/rng';
import { adjustedRand } from './cluster/metrics';
import { StreamingCorrelationClusterer } from './cluster/streaming';
import { DeviceStreamingClusterer, PROFILE_DIM } from './signal-clusterer';

/** `steps` steps of [samples, units] signals: unit u follows latent source u % groups, plus noise; unit 0 is dead. */
function planted(steps: number, samples: number, units: number, groups: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const out: Float32Array[] = [];
  for (let t = 0; t < steps; t++) {
    const x = new Float32Array(samples * units);
    for (let s = 0; s < samples; s++) {
      const src = Array.from({ length: groups }, () => Math.abs(rng.normal()) * 2);
      for (let u = 1; u < units; u++) x[s * units + u] = src[u % groups]! + 0.5 * Math.abs(rng.normal());
    }
    out.push(x);
  }
  return out;
}

test('device correlation summary equals the host streaming reference (incl. a dead unit)', async () => {
  await tf.setBackend('cpu');
  const units = 24;
  const samples = 8;
  const signals = planted(12, samples, units, 3, 1);
  const host = new StreamingCorrelationClusterer({ units, k: 3, seed: 1, window: 12, samples });
  for (const s of signals) host.observe(s);
  const device = new DeviceStreamingClusterer({ items: units, k: 3, seed: 1, window: 12, samples });
  // fold in two batches, as two clusterings would
  const ring = signals.map((s) => tf.tensor2d(s, [samples, units]));
  device.fold(ring.slice(0, 5));
  device.fold(ring.slice(5));
  const got = await device.correlation();
  const want = (host.save() as { corr: number[] }).corr;
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4, `C[${i}] = ${got[i]} vs ${want[i]}`);
  tf.dispose(ring);
  device.dispose();
});

test('device streaming clusterer recovers planted groups through the random projection, ids stable', async () => {
  await tf.setBackend('cpu');
  const units = 2 * PROFILE_DIM + 30; // more than the projection dimension
  const samples = 16;
  const before = tf.memory().numTensors;
  const device = new DeviceStreamingClusterer({ items: units, k: 4, seed: 7, window: 20, samples });
  const truth = Int32Array.from({ length: units }, (_, u) => u % 4);
  const batch = (seed: number) => planted(20, samples, units, 4, seed).map((s) => tf.tensor2d(s, [samples, units]));
  const r1 = batch(2);
  const first = await device.cluster(r1);
  tf.dispose(r1);
  const live = (labels: Int32Array) => Int32Array.from(labels.subarray(1));
  assert.ok(adjustedRand(live(first.labels), live(truth)) > 0.95, `ARI ${adjustedRand(live(first.labels), live(truth))}`);
  assert.equal(first.dormant[0], 1, 'the dead unit is dormant');
  const r2 = batch(3);
  const second = await device.cluster(r2);
  tf.dispose(r2);
  assert.ok(second.changed <= 2, `${second.changed} labels changed on more of the same`);
  device.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor leak');
});
