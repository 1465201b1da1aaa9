/** A sweep's summary on a hand-made record: the maths, diverged and failed points, the best marker, the tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PointResult, SweepPoint, SweepRecord } from '../../protocol/sweep';
import { formatSweepTables, markFront, oneLine, shortName, summarizeSweep, sweepJson, sweepView } from './summary';

/** lr × units × seed = 2 × 2 × 3 = 12 points; grid order, last axis fastest. */
function record(goal: 'max' | 'min', metrics: Array<number | undefined>, tweak: (r: PointResult) => void = () => {}): SweepRecord {
  const lrs = [1e-3, 3e-4];
  const units = [16, 32];
  const seeds = [1, 2, 3];
  const points: SweepPoint[] = [];
  for (const lr of lrs) for (const u of units) for (const seed of seeds) {
    const index = points.length;
    points.push({ index, values: { 'train.optimizer.lr': lr, 'model.layers[0].units': u, 'train.seed': seed }, jobId: `s1-${index}` });
  }
  const results: PointResult[] = points.map((p) => {
    const metric = metrics[p.index];
    const r: PointResult = {
      point: p.index, jobId: p.jobId, status: 'completed', attempts: 1, runId: `run-${p.index}`, worker: 'host-a:123',
      final: metric === undefined ? {} : { valAccuracy: metric }, ...(metric === undefined ? {} : { metric }),
    };
    tweak(r);
    return r;
  });
  return {
    def: {
      id: 's1', name: 'lr-units', file: 'x.sweep.yaml', modelName: 'm.dynaxx.yaml', modelPath: '/tmp/m.dynaxx.yaml', command: 'train', metric: { name: 'valAccuracy', goal },
      axes: ['train.optimizer.lr', 'model.layers[0].units', 'train.seed'], seedAxes: ['train.seed'], points, attempts: 2, createdAt: '2026-12-01T00:00:00Z',
    },
    executor: 'local', status: 'completed', results, updatedAt: '2026-12-01T01:00:00Z',
  };
}

// lr 1e-3: units 16 → 0.8 0.82 0.84; units 32 → 0.9 0.91 0.92. lr 3e-4: units 16 → 0.7 0.72 0.74; units 32 → 0.6 0.62 0.64
const METRICS = [0.8, 0.82, 0.84, 0.9, 0.91, 0.92, 0.7, 0.72, 0.74, 0.6, 0.62, 0.64];

const close = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

test('short names: the last key segment, longer where two axes would clash', () => {
  assert.equal(shortName('train.optimizer.lr', ['train.optimizer.lr', 'train.seed']), 'lr');
  assert.equal(shortName('model.layers[0].units', ['model.layers[0].units']), 'units');
  assert.equal(shortName('train.seed', ['train.seed', 'data.seed']), 'train.seed');
  assert.equal(shortName('a.b.units', ['a.b.units', 'a.c.units']), 'b.units');
  assert.equal(shortName('stabilize', ['stabilize']), 'stabilize');
});

test('per axis: mean, sample std and n over every point with the value; best by a max goal', () => {
  const s = summarizeSweep(record('max', METRICS));
  assert.deepEqual(s.axes.map((a) => [a.name, a.seed]), [['lr', false], ['units', false], ['seed', true]]);
  assert.deepEqual(s.perAxis.map((a) => a.key), ['train.optimizer.lr', 'model.layers[0].units'], 'no summary for the seed axis');
  const [lr, units] = s.perAxis;
  assert.deepEqual(lr!.values.map((v) => v.value), [1e-3, 3e-4]);
  const hi = [0.8, 0.82, 0.84, 0.9, 0.91, 0.92];
  close(lr!.values[0]!.mean, hi.reduce((a, b) => a + b) / 6);
  const m = hi.reduce((a, b) => a + b) / 6;
  close(lr!.values[0]!.std, Math.sqrt(hi.reduce((a, x) => a + (x - m) ** 2, 0) / 5));
  assert.equal(lr!.values[0]!.n, 6);
  assert.deepEqual(lr!.values.map((v) => v.best), [true, false]);
  close(units!.values[0]!.mean, (0.8 + 0.82 + 0.84 + 0.7 + 0.72 + 0.74) / 6);
  close(units!.values[1]!.mean, (0.9 + 0.91 + 0.92 + 0.6 + 0.62 + 0.64) / 6);
  assert.deepEqual(units!.values.map((v) => v.best), [true, false], '0.77 beats 0.765');
});

test('configurations: grouped by the non-seed axes, mean ± std over seeds, best first; a min goal reverses the order', () => {
  const max = summarizeSweep(record('max', METRICS));
  assert.deepEqual(max.configurations.map((c) => c.values), [[1e-3, 32], [1e-3, 16], [3e-4, 16], [3e-4, 32]]);
  assert.deepEqual(max.configurations[0]!.points, [3, 4, 5]);
  close(max.configurations[0]!.mean, 0.91);
  close(max.configurations[0]!.std, 0.01);
  assert.equal(max.configurations[0]!.n, 3);
  assert.deepEqual(max.configurations.map((c) => c.best), [true, false, false, false]);
  const min = summarizeSweep(record('min', METRICS));
  assert.deepEqual(min.configurations.map((c) => c.values), [[3e-4, 32], [3e-4, 16], [1e-3, 16], [1e-3, 32]]);
  assert.deepEqual(min.perAxis[0]!.values.map((v) => v.best), [false, true]);
  assert.deepEqual(min.perAxis[1]!.values.map((v) => v.best), [false, true]);
});

test('diverged and failed points are counted, never averaged; a metric-less completed run is diverged', () => {
  const metrics: Array<number | undefined> = [...METRICS];
  metrics[3] = undefined; // completed without its metric
  const rec = record('max', metrics, (r) => {
    if (r.point === 4) Object.assign(r, { status: 'diverged', metric: Number.NaN });
    if (r.point === 5) Object.assign(r, { status: 'failed', metric: undefined, runId: undefined, attempts: 2, error: 'boom: bad value\n    at x (y.ts:1)\x1b[31m' });
    if (r.point === 11) Object.assign(r, { status: 'running', metric: undefined });
    if (r.point === 0) r.metric = Number.POSITIVE_INFINITY;
  });
  const s = summarizeSweep(rec);
  assert.deepEqual(s.counts, { ok: 7, diverged: 3, failed: 1, cancelled: 0, pending: 1 });
  assert.deepEqual(s.rows.map((r) => r.outcome).slice(0, 6), ['diverged', 'ok', 'ok', 'diverged', 'diverged', 'failed']);
  assert.equal(s.rows[3]!.status, 'completed');
  assert.equal(s.rows[4]!.metric, undefined, 'NaN is not a metric');
  assert.equal(s.rows[5]!.error, 'boom: bad value', 'the error cut to its first line');
  const best = s.configurations.find((c) => c.values[0] === 1e-3 && c.values[1] === 32)!;
  assert.deepEqual([best.n, best.mean, best.std, best.diverged, best.failed], [0, undefined, undefined, 2, 1]);
  assert.equal(s.configurations.at(-1), best, 'a configuration without a mean is last');
  const first = s.configurations.find((c) => c.values[0] === 1e-3 && c.values[1] === 16)!;
  assert.equal(first.n, 2);
  close(first.mean, 0.83);
  assert.equal(first.std !== undefined && Math.abs(first.std - Math.sqrt(0.0002)) < 1e-9, true);
  assert.equal(s.configurations[0], first, '0.83 is now the best mean');
  const lr = s.perAxis[0]!.values[0]!;
  assert.deepEqual([lr.n, lr.diverged, lr.failed], [2, 3, 1]);
  const lr2 = s.perAxis[0]!.values[1]!;
  assert.deepEqual([lr2.n, lr2.pending], [5, 1]);
  // a configuration with one point: a mean, no std
  const one = summarizeSweep(record('max', [0.5, undefined, undefined, ...METRICS.slice(3)], (r) => {
    if (r.point === 1 || r.point === 2) Object.assign(r, { status: 'failed' });
  }));
  const c = one.configurations.find((g) => g.values[0] === 1e-3 && g.values[1] === 16)!;
  assert.deepEqual([c.n, c.mean, c.std, c.failed], [1, 0.5, undefined, 2]);
});

test('tables: every point exactly once, the summaries, no control characters', () => {
  const rec = record('max', METRICS, (r) => {
    if (r.point === 7) Object.assign(r, { status: 'failed', metric: undefined, error: 'bad\x1b[2J\u202evalue\nsecond line' });
    if (r.point === 8) Object.assign(r, { status: 'diverged', metric: undefined });
  });
  const text = formatSweepTables(summarizeSweep(rec));
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f\u202e]/, 'control and direction characters escaped');
  assert.doesNotMatch(text, /second line/);
  const lines = text.split('\n');
  const start = lines.indexOf('Points');
  const end = lines.findIndex((l, i) => i > start && l === '');
  const pointRows = lines.slice(start + 3, end);
  assert.equal(pointRows.length, 12);
  assert.deepEqual(pointRows.map((l) => Number(l.trim().split(/\s+/)[0])), [...Array(12).keys()]);
  for (let i = 0; i < 12; i++) assert.equal(lines.filter((l) => l.includes(`run-${i} `) || l.endsWith(`run-${i}`)).length, 1);
  assert.match(text, /no: diverged/);
  assert.match(text, /Per axis/);
  assert.match(text, /Configurations, best first/);
  assert.match(text, /0\.9100 ± 0\.0100\s+3\s+0\s+0\s+best/);
  assert.match(text, /12 points: 10 with a metric, 1 diverged, 1 failed/);
  const json = JSON.parse(sweepJson(summarizeSweep(rec))) as ReturnType<typeof summarizeSweep>;
  assert.equal(json.rows.length, 12);
  assert.equal(json.rows[8]!.outcome, 'diverged');
});

test('points are sorted, and a point missing from the results is not finished', () => {
  const rec = record('max', METRICS);
  rec.results.reverse();
  rec.results.splice(0, 1); // point 11 has no result yet
  const s = summarizeSweep(rec);
  assert.deepEqual(s.rows.map((r) => r.point), [...Array(12).keys()]);
  assert.equal(s.rows[11]!.status, 'queued');
  assert.equal(s.rows[11]!.outcome, 'pending');
});

test('prune sweeps: the Pareto points of every run, the non-dominated front marked', () => {
  const rec = record('max', METRICS);
  rec.def.command = 'prune';
  rec.results[0]!.pareto = [
    { criterion: 'l1', target: 0.5, flopReduction: 0.5, accuracy: 0.8 },
    { criterion: 'l1', target: 0.7, flopReduction: 0.7, accuracy: 0.6 },
  ];
  rec.results[1]!.pareto = [
    { criterion: 'wanda', target: 0.5, flopReduction: 0.5, accuracy: 0.85 }, // beats run 0's first point
    { criterion: 'wanda', target: 0.7, flopReduction: 0.6, accuracy: 0.7 },
  ];
  rec.results[2]!.status = 'failed';
  rec.results[2]!.pareto = [{ criterion: 'x', target: 0.9, flopReduction: 0.99, accuracy: 0.99 }]; // a failed run's points are left out
  const v = sweepView(rec, ['run-3']);
  assert.deepEqual(v.missingRuns, ['run-3']);
  assert.deepEqual(v.pareto!.map((p) => [p.point, p.criterion, p.front]), [[0, 'l1', false], [0, 'l1', true], [1, 'wanda', true], [1, 'wanda', true]]);
  assert.equal(v.pareto![2]!.runId, 'run-1');
  const ties = [
    { point: 0, criterion: 'a', target: 1, flopReduction: 0.5, accuracy: 0.8, front: false },
    { point: 1, criterion: 'b', target: 1, flopReduction: 0.5, accuracy: 0.8, front: false },
  ];
  markFront(ties);
  assert.deepEqual(ties.map((p) => p.front), [true, true], 'equal points dominate neither');
  assert.equal(sweepView(record('max', METRICS)).pareto, undefined, 'a train sweep has no Pareto points');
});

test('oneLine: the first non-empty line, cut short', () => {
  assert.equal(oneLine('\n\n  first  \nsecond'), 'first');
  assert.equal(oneLine('x'.repeat(500)).length, 160);
});
