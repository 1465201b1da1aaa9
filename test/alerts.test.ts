/** Per-layer alerts end to end: the deliberately unstable example, trained through the CLI, stores layer alerts. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Alert } from '../protocol/trainer';
import { findLayer, loadModelFile } from '../spec';
import { ROOT, onlyRun, runCli, tempDir } from './helpers';

const EXAMPLE = join(ROOT, 'examples', 'unstable-deep.dynaxx.yaml');

function alerts(runsDir: string): Alert[] {
  const text = readFileSync(join(onlyRun(runsDir), 'alerts.jsonl'), 'utf8');
  // alerts.jsonl writes non-finite numbers as strings ("NaN", "Infinity")
  return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Alert).map((a) => ({ ...a, value: a.value === undefined ? undefined : Number(a.value) }));
}

test('examples/unstable-deep trained on wasm raises per-layer alerts on layers of the model file', () => {
  const runs = join(tempDir(), 'runs');
  const r = runCli(['train', EXAMPLE, '--backend', 'wasm', '--steps', '60', '--runs-dir', runs, '--json']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const model = loadModelFile(EXAMPLE);
  const all = alerts(runs);
  const layerAlerts = all.filter((a) => a.layerId !== undefined);
  assert.ok(layerAlerts.length > 0, JSON.stringify(all));
  for (const a of layerAlerts) {
    assert.ok(findLayer(model, a.layerId!), `alert on ${a.layerId}, which is not a layer of the model file`);
    assert.ok(a.step >= 0 && a.step <= 60);
    assert.match(a.message, /learning rate/);
  }
  const measured = layerAlerts.filter((a) => a.kind === 'grad-norm' || a.kind === 'activation-variance');
  assert.ok(measured.some((a) => a.kind === 'grad-norm'), JSON.stringify(all.map((a) => a.kind)));
  for (const a of measured) assert.ok(a.value! > a.threshold!, JSON.stringify(a));
  // within the first few dozen steps
  assert.ok(Math.min(...layerAlerts.map((a) => a.step)) <= 30);
  // the same (kind, layer) at most once per 100 steps
  const keys = layerAlerts.map((a) => `${a.kind} ${a.layerId}`);
  assert.equal(new Set(keys).size, keys.length);
  // the CLI shows them with the layer
  assert.match(r.stderr, /alert \[[^\]]+\]: /);
});

test('--monitors none turns the per-layer alerts off; an unknown monitor is a usage error', () => {
  const runs = join(tempDir(), 'runs');
  const r = runCli(['train', EXAMPLE, '--backend', 'wasm', '--steps', '30', '--runs-dir', runs, '--json', '--monitors', 'none']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  let stored: Alert[] = [];
  try {
    stored = alerts(runs);
  } catch {
    // no alerts.jsonl at all
  }
  assert.deepEqual(stored.filter((a) => a.layerId !== undefined), []);
  const bad = runCli(['train', EXAMPLE, '--monitors', 'grad-nrom', '--runs-dir', runs]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown monitor 'grad-nrom'.*grad-norm/);
});
