/**
 * Growth (seed 000), end to end on small data (cpu): the frozen weights are bit-identical to the parent's
 * (checked from the two checkpoints, independently of the report), the new → old entries stay 0, old tasks
 * lose nothing; a joint fine-tune reports consistently whether the frozen weights moved; bad growth data and
 * non-modular runs are refused with a UserError.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { UserError } from '../errors';
import { startRun } from '../session';
import { readCheckpoint, type NamedArray } from '../store/checkpoint';
import { startGrowth } from '../run/grow';
import type { GrowthReport } from './growth';

let dir: string;
let runsDir: string;
let parentId: string;
let parentDir: string;

const DATA = (tasks: string) => `data:
  source: synthetic
  kind: multi-task
  parts: 3
  samples: 2048
  classes: 4
  features: 48
${tasks}  validation: 0.1`;

const BASE = `name: growth-base
${DATA('  tasks: [t1, t2]\n')}
model:
  input: [48]
  layers:
    - { type: dense, name: hidden1, units: 32, activation: relu }
    - { type: dense, name: hidden2, units: 32, activation: relu }
    - { type: dense, name: logits, units: 8 }
train:
  epochs: 2
  batchSize: 64
  optimizer: { type: adam, lr: 0.002 }
  seed: 1
  backend: cpu
modularity:
  subnetworks: 4
  band: [2, 6]
  alarms: [2, 8]
`;

/** A growth data file (only its data: section is used); `tasks` is a `  tasks: [...]` line or ''. */
const growthFile = (name: string, tasks: string, logits: number) => {
  const p = join(dir, name);
  writeFileSync(p, `name: ${name.replace(/\..*/, '')}
${DATA(tasks)}
model:
  input: [48]
  layers:
    - { type: dense, name: hidden1, units: 32, activation: relu }
    - { type: dense, name: logits, units: ${logits} }
train:
  epochs: 2
  batchSize: 64
  optimizer: { type: adam, lr: 0.002 }
  seed: 1
  backend: cpu
`);
  return p;
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dynaxx-growth-'));
  runsDir = join(dir, 'runs');
  const file = join(dir, 'base.dynaxx.yaml');
  writeFileSync(file, BASE);
  const run = await startRun(file, undefined, { runsDir });
  const r = await run.run();
  assert.equal(r.status, 'completed');
  parentId = run.runId;
  parentDir = run.runDir;
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function grow(dataFile: string, opts: { jointSteps?: number } = {}) {
  const run = await startGrowth(parentId, dataFile, { add: 2, ...opts }, { runsDir });
  const r = await run.run();
  assert.equal(r.status, 'completed', r.error);
  const report = JSON.parse(readFileSync(join(run.runDir, 'reports', 'growth.json'), 'utf8')) as GrowthReport;
  return { run, report };
}

/**
 * Compares the parent's kernels and biases with the top-left blocks of the grown ones: the largest absolute
 * difference over the old entries, and over the new → old entries (new input rows into old output columns).
 */
function compareBlocks(grownDir: string): { maxOld: number; maxNewToOld: number; oldEntries: number; newToOld: number } {
  const parent = readCheckpoint(parentDir)!;
  const grown = readCheckpoint(grownDir)!;
  const byName = new Map(grown.weights.map((w) => [w.name, w]));
  let maxOld = 0;
  let maxNewToOld = 0;
  let oldEntries = 0;
  let newToOld = 0;
  const kernels = parent.weights.filter((w) => /^(hidden1|hidden2|logits)\/(kernel|bias)$/.test(w.name));
  assert.equal(kernels.length, 6);
  for (const old of kernels) {
    const g: NamedArray | undefined = byName.get(old.name);
    assert.ok(g, `grown checkpoint lacks ${old.name}`);
    assert.equal(g.shape.length, old.shape.length);
    const out = g.shape[g.shape.length - 1]!;
    const oldOut = old.shape[old.shape.length - 1]!;
    assert.ok(out >= oldOut, `${old.name}: grown ${g.shape} narrower than ${old.shape}`);
    if (old.shape.length === 1) {
      for (let c = 0; c < oldOut; c++) {
        // bit-identical: Object.is tells -0 from 0 and compares NaN with itself
        if (!Object.is(g.data[c], old.data[c])) maxOld = Math.max(maxOld, Math.abs(g.data[c]! - old.data[c]!) || Infinity);
        oldEntries++;
      }
      continue;
    }
    const inDim = g.shape[0]!;
    const oldIn = old.shape[0]!;
    for (let r = 0; r < inDim; r++) {
      for (let c = 0; c < oldOut; c++) {
        const v = g.data[r * out + c]!;
        if (r < oldIn) {
          const o = old.data[r * oldOut + c]!;
          if (!Object.is(v, o)) maxOld = Math.max(maxOld, Math.abs(v - o) || Infinity);
          oldEntries++;
        } else {
          maxNewToOld = Math.max(maxNewToOld, Math.abs(v));
          newToOld++;
        }
      }
    }
  }
  return { maxOld, maxNewToOld, oldEntries, newToOld };
}

test('growth for a new task: frozen blocks bit-identical to the parent checkpoint, new → old entries 0, no forgetting', async () => {
  const { run, report } = await grow(growthFile('new-task.dynaxx.yaml', '', 12));
  assert.equal(report.parent, parentId);
  assert.deepEqual(report.oldTasks, ['t1', 't2']);
  assert.deepEqual(report.newTasks, ['t3']);
  assert.equal(report.jointSteps, 0);

  const c = compareBlocks(run.runDir);
  assert.ok(c.oldEntries > 0 && c.newToOld > 0, `compared ${c.oldEntries} old and ${c.newToOld} new → old entries`);
  assert.equal(c.maxOld, 0, 'a frozen (parent) entry changed');
  assert.equal(c.maxNewToOld, 0, 'a new → old entry is not 0');

  // the grown layers really are wider, and the new units were trained
  const grown = readCheckpoint(run.runDir)!;
  const k2 = grown.weights.find((w) => w.name === 'hidden2/kernel')!;
  const p2 = readCheckpoint(parentDir)!.weights.find((w) => w.name === 'hidden2/kernel')!;
  assert.ok(k2.shape[0]! > p2.shape[0]! && k2.shape[1]! > p2.shape[1]!);
  assert.equal(grown.weights.find((w) => w.name === 'logits/bias')!.shape[0], 12);

  assert.equal(report.frozenIdentical, true);
  assert.equal(report.maxFrozenChange, 0);
  assert.equal(report.forgetting.length, 2);
  for (const f of report.forgetting) assert.equal(f, 0);
  assert.deepEqual(report.after, report.before);
  assert.equal(report.newAccuracy.length, 1);
  assert.ok(report.newAccuracy[0]! > 0.25, `t3 accuracy ${report.newAccuracy[0]} is no better than chance`);
});

test('a joint fine-tune: the report says whether the frozen weights moved, consistently with the checkpoints', async () => {
  const { run, report } = await grow(growthFile('joint.dynaxx.yaml', '', 12), { jointSteps: 20 });
  assert.equal(report.jointSteps, 20);
  const c = compareBlocks(run.runDir);
  const moved = c.maxOld > 0 || c.maxNewToOld > 0;
  assert.ok(moved, 'adam at lr 0.002 for 20 unfrozen steps should move the old weights');
  assert.equal(report.frozenIdentical, false, 'the report still claims bit-identity after the frozen weights moved');
  assert.ok(report.maxFrozenChange > 0);
  assert.equal(report.frozenIdentical, report.maxFrozenChange === 0);
  assert.ok(Math.abs(report.maxFrozenChange - Math.max(c.maxOld, c.maxNewToOld)) <= 1e-6 * Math.max(1, report.maxFrozenChange),
    `report maxFrozenChange ${report.maxFrozenChange} vs checkpoints ${Math.max(c.maxOld, c.maxNewToOld)}`);
});

test('growth data whose tasks do not start with the run\'s tasks is refused, naming the tasks', async () => {
  const swapped = growthFile('swapped.dynaxx.yaml', '  tasks: [t2, t1, t3]\n', 12);
  await assert.rejects(startGrowth(parentId, swapped, {}, { runsDir }), (e: Error) => {
    assert.ok(e instanceof UserError, `${e.constructor.name}: ${e.message}`);
    assert.match(e.message, /t2:4, t1:4, t3:4/);
    assert.match(e.message, /t1:4, t2:4/);
    assert.match(e.message, /swapped\.dynaxx\.yaml/);
    return true;
  });
  const other = growthFile('other.dynaxx.yaml', '  tasks: [t3]\n', 4);
  await assert.rejects(startGrowth(parentId, other, {}, { runsDir }), (e: Error) => e instanceof UserError && /t3:4/.test(e.message) && /t1:4, t2:4/.test(e.message));
});

test('growth of a non-modular run is refused with a clear error', async () => {
  const file = join(dir, 'plain.dynaxx.yaml');
  writeFileSync(file, BASE.replace(/modularity:[\s\S]*$/, '').replace('name: growth-base', 'name: plain'));
  const run = await startRun(file, { steps: 5 }, { runsDir });
  assert.equal((await run.run()).status, 'completed');
  await assert.rejects(startGrowth(run.runId, growthFile('plain-new.dynaxx.yaml', '', 12), {}, { runsDir }), (e: Error) => {
    assert.ok(e instanceof UserError, `${e.constructor.name}: ${e.message}`);
    assert.match(e.message, /no 'modularity:' block/);
    assert.ok(e.message.includes(run.runId));
    return true;
  });
});
