/** Per-layer alerts end to end: the deliberately unstable example, trained through the CLI, stores layer alerts. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { alertLayers, type Alert } from '../protocol/trainer';
import { findLayer, loadModelFile } from '../spec';
import { TestClient } from '../server/test-client';
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
  for (const a of layerAlerts) for (const o of a.others ?? []) assert.ok(findLayer(model, o.layerId), `alert on ${o.layerId}, which is not a layer of the model file`);
  assert.ok(layerAlerts.some((a) => a.kind === 'grad-norm'), JSON.stringify(all.map((a) => a.kind)));
  for (const a of layerAlerts) if (a.threshold !== undefined) assert.ok(a.value! > a.threshold!, JSON.stringify(a));
  // within the first few dozen steps
  assert.ok(Math.min(...layerAlerts.map((a) => a.step)) <= 30);
  // the same (kind, rule, layer) at most once per 100 steps: a layer is named at most twice per kind (grad-norm has two rules)
  const keys = layerAlerts.flatMap((a) => alertLayers(a).map((id) => `${a.kind} ${id}`));
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  assert.ok([...counts.values()].every((n) => n <= 2), JSON.stringify([...counts].filter(([, n]) => n > 2)));
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

test('examples/unstable-deep: grouped alerts, no "threshold 0", one diagnostic per cause with the other layers related', async () => {
  const runs = join(tempDir(), 'runs');
  const r = runCli(['train', EXAMPLE, '--backend', 'wasm', '--steps', '60', '--runs-dir', runs, '--json']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const all = alerts(runs);
  const layerAlerts = all.filter((a) => a.layerId !== undefined);
  // no threshold of 0 (or below, or not finite), in the stored alerts or what the CLI printed
  for (const a of all) {
    if (a.threshold !== undefined) assert.ok(a.threshold > 0 && Number.isFinite(a.threshold), JSON.stringify(a));
    assert.doesNotMatch(a.message, /threshold (0|-|NaN|Infinity)\b/, a.message);
  }
  assert.doesNotMatch(r.stderr, /threshold (0|-|NaN|Infinity)\b/);
  // most layers saturate: the no-gradient rule says so instead of calling the rest "exploding"
  assert.ok(layerAlerts.some((a) => a.kind === 'grad-norm' && /no gradient reaches .* over half, so the median rule has no reference/.test(a.message)), JSON.stringify(layerAlerts.map((a) => a.message)));
  // grouped in the trainer: one alert per (kind, rule, step), several with others; the CLI prints one line each
  assert.ok(layerAlerts.some((a) => (a.others?.length ?? 0) >= 5), JSON.stringify(layerAlerts.map((a) => [a.kind, a.step, a.others?.length])));
  const perLayer: Alert[] = layerAlerts.flatMap(({ others, ...a }) => [a, ...(others ?? []).map((o) => ({ ...a, layerId: o.layerId, value: o.value }))]);
  assert.equal((r.stderr.match(/\nalert/g) ?? []).length, all.length);
  assert.ok(all.length < perLayer.length / 5, `${all.length} alerts for ${perLayer.length} layer alerts`);

  // the language server: one diagnostic per group, on the group's first layer, the others as related information
  const client = await TestClient.start({ debounceMs: 0 });
  try {
    const uri = await client.open(EXAMPLE);
    await client.waitForDiagnostics(uri);
    const check = async (runId: string, sent: Alert[]) => {
      const from = client.published.length;
      await client.notify('dynaxx/runAlerts', { uri, runId, alerts: sent });
      const { params } = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.source === 'dynaxx run'), from);
      const diags = params.diagnostics.filter((d) => d.source === 'dynaxx run').map((d) => ({ ...d, message: String(d.message) }));
      await client.notify('dynaxx/runAlerts', { uri, runId, alerts: [] });
      return diags;
    };
    const diags = await check('grouped', all);
    assert.equal(diags.length, all.length, diags.map((d) => d.message).join('\n'));
    assert.ok(diags.length < perLayer.length);
    for (const d of diags) assert.doesNotMatch(d.message, /threshold (0|-|NaN|Infinity)\b/, d.message);
    for (const a of layerAlerts.filter((x) => x.others?.length)) {
      const d = diags.find((x) => x.code === a.kind && x.message.includes(` at step ${a.step}`) && x.message.includes(`on ${a.layerId} and ${a.others!.length} more layers`));
      assert.ok(d, `no diagnostic for ${a.kind} at step ${a.step} on ${a.layerId}: ${diags.map((x) => x.message).join('\n')}`);
      assert.equal(d.relatedInformation?.length, a.others!.length);
      assert.deepEqual(d.relatedInformation!.map((i) => i.message.match(/ on (\S+) at step/)?.[1]), a.others!.map((o) => o.layerId));
      for (const i of d.relatedInformation!) assert.equal(i.location.uri, uri);
      // the first layer in model order carries it
      for (const i of d.relatedInformation!) assert.ok(i.location.range.start.line >= d.range.start.line, JSON.stringify(i));
    }
    // an older alerts.jsonl (one alert per layer) gives the same diagnostics: the server groups per (kind, step)
    const legacy = await check('legacy', [...perLayer.reverse(), ...all.filter((a) => a.layerId === undefined)]);
    assert.equal(legacy.length, diags.length, legacy.map((d) => d.message).join('\n'));
    assert.deepEqual(legacy.map((d) => d.relatedInformation?.length ?? 0).sort(), diags.map((d) => d.relatedInformation?.length ?? 0).sort());
  } finally {
    await client.stop();
  }
});
