import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLUSTERERS, createClusterer, type ClustererId, type ClustererOptions } from './clusterer';
import { adjustedRand } from './metrics';
import { plantedSignals } from './test-signals';

const ids = Object.keys(CLUSTERERS) as ClustererId[];
const options: ClustererOptions = { units: 90, k: 3, seed: 5, window: 16, samples: 8 };

for (const id of ids) {
  test(`${id}: recovers units driven by 3 latent sources (ARI ≥ 0.95), stably`, () => {
    const source = plantedSignals(options.units, 3, options.samples, 0.8, 1);
    const c = createClusterer(id, options);
    assert.equal(c.id, id);
    for (let t = 0; t < 40; t++) c.observe(source.step());
    const first = c.cluster();
    assert.equal(first.changed, options.units);
    assert.ok(adjustedRand(first.labels, source.truth) >= 0.95, `ARI ${adjustedRand(first.labels, source.truth)}`);
    for (let t = 0; t < 20; t++) c.observe(source.step());
    const second = c.cluster();
    assert.ok(adjustedRand(second.labels, source.truth) >= 0.95);
    assert.ok(second.changed <= 2, `${second.changed} units changed`);
    assert.ok(c.memoryFloats() > 0);
  });

  test(`${id}: dormant units keep round-robin labels before any result, then their previous label`, () => {
    const units = 12;
    const c = createClusterer(id, { ...options, units, k: 2 });
    const empty = c.cluster();
    assert.deepEqual(Array.from(empty.dormant), new Array(units).fill(1));
    assert.deepEqual(Array.from(empty.labels), Array.from({ length: units }, (_, u) => u % 2));
    const source = plantedSignals(units, 2, options.samples, 0.3, 2);
    for (let t = 0; t < 20; t++) {
      const s = source.step();
      for (let r = 0; r < options.samples; r++) s[r * units + 3] = 0; // unit 3 never fires
      c.observe(s);
    }
    const r = c.cluster();
    assert.equal(r.dormant[3], 1);
    assert.equal(r.labels[3], 1);
    assert.equal(r.dormant.reduce((a, b) => a + b, 0), 1);
  });

  test(`${id}: save/load round-trips through JSON`, () => {
    const source = plantedSignals(30, 3, options.samples, 0.5, 3);
    const opts = { ...options, units: 30, window: 4 };
    const a = createClusterer(id, opts);
    for (let t = 0; t < 2; t++) a.observe(source.step()); // window not yet full
    a.cluster();
    const b = createClusterer(id, opts);
    b.load(JSON.parse(JSON.stringify(a.save())));
    for (let t = 0; t < 5; t++) { // and wrapping round after the load
      const step = source.step();
      a.observe(step);
      b.observe(step);
    }
    assert.deepEqual(b.cluster(), a.cluster());
    assert.deepEqual(b.save(), a.save());
    assert.throws(() => createClusterer(id, { ...opts, k: 4 }).load(a.save()), /'k'/);
  });
}

test('createClusterer rejects unknown ids and bad options by name', () => {
  assert.throws(() => createClusterer('nope', options), /unknown clusterer 'nope' \(known: window, streaming\)/);
  assert.throws(() => createClusterer('window', { ...options, samples: 0 }), /'samples'/);
  assert.throws(() => createClusterer('streaming', { ...options, decay: 1 }), /'decay'/);
  assert.throws(() => createClusterer('window', options).observe(new Float32Array(3)), /samples\*units/);
});
