/**
 * `dynaxx paths <run-id>`: the routing-path statistics of a run with `dna`/`moe` layers (reports/dna.json), as a
 * summary (or --json). A run that stopped before the end has no report: with `--analyze` (or when the report is
 * missing and the run has a checkpoint) the analysis runs now on the latest checkpoint and is stored.
 */
import { dirname } from 'node:path';
import type { DnaReport } from '../../protocol/dna';
import { initBackend } from '../backend/backends';
import { loadDataset } from '../data/load';
import { analyzeRouting, DNA_REPORT, summarizeRouting } from '../dna/report';
import { hasRoutedLayers } from '../dna/run-hooks';
import { netWith } from '../engine/weights';
import { UserError } from '../errors';
import { RunStore } from '../store/run-store';

export async function pathsCommand(runsDir: string, runId: string, o: { analyze?: boolean; samples?: number; json?: boolean; log?: (line: string) => void }): Promise<string> {
  const dir = new RunStore(runsDir).open(runId);
  let report = o.analyze ? undefined : (dir.readReport(DNA_REPORT) as DnaReport | undefined);
  if (!report) {
    const model = dir.readSpec();
    if (!hasRoutedLayers(model.layers)) throw new UserError(`run ${dir.id} has no dna or moe layer: there are no routing paths to show`);
    const ckpt = dir.readCheckpoint();
    if (!ckpt) throw new UserError(`run ${dir.id} has no checkpoint yet: train it (dynaxx resume ${dir.id}) before analysing its paths`);
    o.log?.(`run ${dir.id}: analysing routing paths at step ${ckpt.step} (trained and as initialised)…`);
    await initBackend(model.train.backend);
    const dataset = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
    const net = netWith(model, ckpt.weights);
    try {
      report = await analyzeRouting(net, model, dataset, ckpt.step, { maxSamples: o.samples });
    } finally {
      net.dispose();
    }
    if (!report) throw new UserError(`run ${dir.id}: no routed layer found in the model`);
    dir.writeReport(DNA_REPORT, report);
  }
  return o.json ? `${JSON.stringify(report)}\n` : `${summarizeRouting(report).join('\n')}\n`;
}
