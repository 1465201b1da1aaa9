/**
 * One source of truth for monitor ids: the trainer's built-ins are the spec's `stabilize.monitors` values, and a
 * monitor registered with one line is then accepted by model files and by `--monitors`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText } from '../../spec/parse';
import { MONITOR_IDS, STABILIZE_MONITORS } from '../../spec/stabilize-spec';
import { monitorsFlag } from '../cli/flags';
import type { Monitor } from './monitor';
import { DEFAULT_MONITORS, getMonitor, monitorIds, registerMonitor } from './registry';

const MODEL = `model:
  input: [8]
  layers:
    - { type: dense, units: 16, activation: relu }
    - { type: dense, units: 4 }
`;
const parse = (text: string) => parseModelText(`${MODEL}${text}`, '/models/m.dynaxx.yaml');

test('the trainer implements exactly the spec\'s built-in monitors, in the same order; each instance has its id', () => {
  assert.deepEqual(monitorIds(), [...STABILIZE_MONITORS]);
  assert.deepEqual(MONITOR_IDS.ids, monitorIds());
  for (const id of monitorIds()) assert.equal(getMonitor(id).id, id);
  for (const id of DEFAULT_MONITORS) assert.ok(monitorIds().includes(id));
});

test('registering a monitor makes stabilize.monitors and --monitors accept it', () => {
  const quiet: Monitor = { id: 'quiet', check: () => [] };
  assert.match(parse('stabilize:\n  monitors: [quiet]\n').diagnostics.map((d) => d.message).join('\n'), /unknown name 'quiet'/);
  assert.throws(() => monitorsFlag('quiet'), /unknown monitor/);

  registerMonitor('quiet', () => quiet);

  const m = parse('stabilize:\n  monitors: [grad-norm, quiet]\n');
  assert.deepEqual(m.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(m.model!.stabilize!.monitors, ['grad-norm', 'quiet']);
  assert.deepEqual(parse('stabilize: auto\n').model!.stabilize!.monitors, [...STABILIZE_MONITORS, 'quiet'], 'the default is every monitor');
  assert.deepEqual(monitorsFlag('quiet,nonfinite'), ['quiet', 'nonfinite']);
  assert.equal(getMonitor('quiet'), quiet);
});
