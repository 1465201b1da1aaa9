// WebGPU tier: a modular run through warm-up, soft and hard masks on webgpu matches cpu, clusters the units into
// the same subnetworks and exports the same extracted model (models/modular.dynaxx.yaml; tolerance in parity.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExport } from '../../trainer/surgery/export';
import { assertWeightsAgree, parityTest } from './parity';

interface Report {
  layers: Array<{ id: string; labels: number[] }>;
  subnetworks: Array<{ id: number; kept: boolean; indices: Record<string, number[]> }>;
}

/** What clustering decided: each unit's subnetwork, and which subnetworks were kept with which units. */
function structure(runDir: string) {
  const r = JSON.parse(readFileSync(join(runDir, 'reports', 'modularity.json'), 'utf8')) as Report;
  return { labels: r.layers.map((l) => [l.id, l.labels]), subnetworks: r.subnetworks.map((s) => [s.id, s.kept, s.indices]) };
}

parityTest('modular: 6 steps on webgpu match cpu, same subnetworks and extraction', 'modular', {
  steps: 6,
  more: (cpu, gpu) => {
    assert.deepEqual(structure(gpu.runDir!), structure(cpu.runDir!), 'the same units in the same subnetworks');
    const exported = (dir: string) => readExport(join(dir, 'export', 'modules')).weights;
    return [assertWeightsAgree(exported(gpu.runDir!), exported(cpu.runDir!), 'the extracted model')];
  },
});
