// WebGPU tier: `dynaxx prune` on webgpu (dense training, Wanda statistics, physical removal of channels,
// fine-tuning of the smaller model, export) matches cpu: the same channels kept and the same exported weights
// (models/prune.dynaxx.yaml; tolerance in parity.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExport } from '../../trainer/surgery/export';
import type { SweepResult } from '../../trainer/pruning/sweep';
import { assertWeightsAgree, parityTest } from './parity';

const sweep = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'reports', 'pareto.json'), 'utf8')) as SweepResult;

parityTest('prune: dense steps, Wanda −50% and fine-tuning on webgpu match cpu', 'prune', {
  command: 'prune',
  steps: 3,
  more: (cpu, gpu) => {
    const c = sweep(cpu.runDir!);
    const g = sweep(gpu.runDir!);
    assert.equal(g.backend, 'webgpu', 'the sweep ran on webgpu');
    assert.equal(g.points.length, 1);
    const [pc, pg] = [c.points[0]!, g.points[0]!];
    assert.deepEqual(pg.kept, pc.kept, 'Wanda keeps the same channels');
    assert.deepEqual([pg.flops, pg.params], [pc.flops, pc.params], 'the same pruned size');
    const exported = (dir: string) => readExport(join(dir, 'export', 'pruned', 'wanda-50')).weights;
    return [
      `kept ${Object.entries(pc.kept).map(([k, v]) => `${k} ${v.length}`).join(', ')}; ${pc.params} of ${c.dense.params} parameters`,
      assertWeightsAgree(exported(gpu.runDir!), exported(cpu.runDir!), 'the pruned, fine-tuned model'),
    ];
  },
});
