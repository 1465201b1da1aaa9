import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepProfile, totalsByName } from './profile-aggregate';
import type { ProfileFile } from './profile';
import { profileTables } from './tables/profile';

/** Two timed steps of a fake training step: 3 matmuls, 2 adds, a transpose; 100 ms of wall time in all. */
const LOG = [
  { name: 'BatchMatMul', ms: 20 }, { name: 'Add', ms: 2 }, { name: 'BatchMatMul', ms: 10 }, { name: 'Transpose', ms: 1 },
  { name: 'BatchMatMul', ms: 12 }, { name: 'Add', ms: 3 },
  { name: 'BatchMatMul', ms: 18 }, { name: 'Add', ms: 2 }, { name: 'BatchMatMul', ms: 10 }, { name: 'Transpose', ms: 1 },
  { name: 'BatchMatMul', ms: 10 }, { name: 'Add', ms: 1 },
];

test('kernel time is summed by name, divided by the steps, ranked, and the step\'s rest is what no kernel took', () => {
  const totals = totalsByName(LOG);
  assert.deepEqual(totals.find((t) => t.name === 'BatchMatMul'), { name: 'BatchMatMul', calls: 6, ms: 80 });
  const p = stepProfile(totals, 2, 100);
  assert.equal(p.stepMs, 50);
  assert.deepEqual(p.kernels.map((k) => k.name), ['BatchMatMul', 'Add', 'Transpose']);
  assert.deepEqual(p.kernels[0], { name: 'BatchMatMul', callsPerStep: 3, msPerStep: 40, share: 0.8 });
  assert.deepEqual(p.kernels[1], { name: 'Add', callsPerStep: 2, msPerStep: 4, share: 0.08 });
  assert.equal(p.kernelMs, 45);
  assert.equal(p.restMs, 5);
  assert.equal(p.kernelsPerStep, 6);
  assert.throws(() => stepProfile(totals, 0, 100), /at least one timed step/);
});

const file = (label: string, log: typeof LOG, totalMs: number): ProfileFile => ({
  kind: 'kernel-profile', label, date: '2026-12-04', commit: 'abcdef0123', dirty: [' M bench/profile.ts'],
  machine: { host: 'vm', cpu: 'Xeon', cores: 2, os: 'linux' }, node: 'v20', tfjs: '4.22.0', backend: 'wasm', device: 'Xeon',
  env: { vars: {}, threads: 1 },
  cases: [{ model: 'mlp', batch: 64, steps: 2, warmup: 1, samplesPerSec: 1, profile: stepProfile(totalsByName(log), 2, totalMs) }],
});

test('the table shows one file, or a before and an after file side by side', () => {
  const before = file('before', LOG, 100);
  const one = profileTables([before]);
  assert.match(one, /before: commit abcdef0, wasm, 1 thread, 2026-12-04/);
  assert.match(one, /\*\*mlp, batch 64\*\*: 50\.0 ms\/step, 6 kernels/);
  assert.match(one, /\| BatchMatMul \| 40\.0 \| 80\.0% \| 3 \|/);
  assert.match(one, /\| rest \(JS: engine, tape, batch, disposal\) \| 5\.00 \| 10\.0% \|  \|/);
  const after = file('after', LOG.filter((e) => e.name !== 'Transpose').map((e) => ({ ...e, ms: e.ms / 2 })), 50);
  const two = profileTables([before, after]);
  assert.match(two, /\| kernel \| before ms\/step \| before % \| before calls \| after ms\/step \| after % \| after calls \|/);
  assert.match(two, /\| BatchMatMul \| 40\.0 \| 80\.0% \| 3 \| 20\.0 \| 80\.0% \| 3 \|/);
  assert.match(two, /\| Transpose \| 1\.00 \| 2\.0% \| 1 \| 0 \| 0% \| 0 \|/);
  assert.throws(() => profileTables([before, after, before]), /1 or 2 files/);
});
