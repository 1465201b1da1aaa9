import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PointResult } from '../protocol/sweep';
import { bestPoint, finishedText, pointLine, progressPercent, progressText, queueUrlProblem, SweepState, sweepNameOf } from './sweep-text';

const done = (point: number, metric: number, extra: Partial<PointResult> = {}): PointResult => ({
  point, jobId: `s.p${point}`, status: 'completed', attempts: 1, runId: `run-${point}`, final: { loss: 0.3, valAccuracy: metric }, metric, ...extra,
});

test('the progress line: points done of all, the point that reported last with its step and loss', () => {
  const s = new SweepState('mlp-lr-1', 'mlp-lr');
  assert.equal(progressText(s), 'Sweep mlp-lr: 0/? points');
  s.apply({ kind: 'started', sweepId: 'mlp-lr-1', points: 8, executor: 'local', metric: { name: 'valAccuracy', goal: 'max' } });
  for (const p of [0, 1, 2]) s.apply({ kind: 'point', sweepId: 'mlp-lr-1', result: done(p, 0.8) });
  s.apply({ kind: 'point', sweepId: 'mlp-lr-1', result: { point: 4, jobId: 'x', status: 'running', attempts: 1 } });
  s.apply({ kind: 'progress', sweepId: 'mlp-lr-1', point: 4, step: 120, totalSteps: 300, loss: 0.41234 });
  assert.equal(progressText(s), 'Sweep mlp-lr: 3/8 points, p4 120/300 loss 0.4123');
  s.apply({ kind: 'progress', sweepId: 'mlp-lr-1', point: 5, step: 10, totalSteps: 300 });
  assert.equal(progressText(s), 'Sweep mlp-lr: 3/8 points, p5 10/300 (+1 running)');
  assert.equal(progressPercent(s), 37);
});

test('output lines: a point starting, ending with its metric, failing with its error; queued points and repeats say nothing', () => {
  const s = new SweepState('s', 's');
  assert.equal(s.apply({ kind: 'point', sweepId: 's', result: { point: 1, jobId: 'x', status: 'queued', attempts: 0 } }), undefined);
  assert.equal(s.apply({ kind: 'point', sweepId: 's', result: { point: 1, jobId: 'x', status: 'running', attempts: 2, worker: 'box:12' } }), 'point 1 running on box:12 (try 2)');
  assert.equal(s.apply({ kind: 'point', sweepId: 's', result: { point: 1, jobId: 'x', status: 'running', attempts: 2, worker: 'box:12', step: 5 } }), undefined);
  assert.equal(s.apply({ kind: 'point', sweepId: 's', result: done(1, 0.86123) }), 'point 1 completed: valAccuracy 0.8612 (run run-1)');
  assert.equal(pointLine({ point: 2, jobId: 'y', status: 'failed', attempts: 0, error: 'sweep.yaml:3:31: lr must be > 0\nmore' }), 'point 2 failed: sweep.yaml:3:31: lr must be > 0');
});

test('the closing message: the best point by its metric (higher accuracy, lower loss), failures and cancellation said', () => {
  const s = new SweepState('s', 'mlp-lr');
  s.apply({ kind: 'started', sweepId: 's', points: 3, executor: 'local', metric: { name: 'valAccuracy', goal: 'max' } });
  s.apply({ kind: 'point', sweepId: 's', result: done(0, 0.81) });
  s.apply({ kind: 'point', sweepId: 's', result: done(1, 0.86) });
  s.apply({ kind: 'point', sweepId: 's', result: done(2, 0.84) });
  s.apply({ kind: 'finished', sweepId: 's', status: 'completed', completed: 3, failed: 0 });
  assert.equal(finishedText(s), 'Sweep mlp-lr completed: 3 points, best valAccuracy 0.86 (p1)');

  const losses = [done(0, 0.5, { final: { loss: 0.5 } }), done(1, 0.2, { final: { loss: 0.2 } })];
  assert.equal(bestPoint(losses)!.point, 1);
  // the sweep's own goal wins over the name rule: a loss the file says to maximise
  assert.equal(bestPoint(losses, { name: 'loss', goal: 'max' })!.point, 0);

  const c = new SweepState('c', 'c');
  c.apply({ kind: 'started', sweepId: 'c', points: 4, executor: 'redis://h:6379', metric: { name: 'valAccuracy', goal: 'max' } });
  c.apply({ kind: 'point', sweepId: 'c', result: done(0, 0.7) });
  c.apply({ kind: 'finished', sweepId: 'c', status: 'cancelled', completed: 1, failed: 1 });
  assert.equal(finishedText(c), 'Sweep c cancelled: 1 of 4 points completed, 1 failed, best valAccuracy 0.7 (p0)');
});

test('names and queue URLs', () => {
  assert.equal(sweepNameOf('/a/b/mlp-lr.sweep.yaml'), 'mlp-lr');
  assert.equal(sweepNameOf('C:\\x\\d.sweep.yml'), 'd');
  assert.equal(queueUrlProblem('redis://user:pw@host:6379/0'), undefined);
  assert.equal(queueUrlProblem('rediss://host:6380'), undefined);
  assert.match(queueUrlProblem('http://host')!, /redis:\/\//);
});
