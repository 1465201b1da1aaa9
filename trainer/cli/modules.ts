/**
 * `dynaxx modules <run>` (the discovered subnetworks of a modular run, from reports/modularity.json),
 * `dynaxx modules <run> --extract 0,2 [--out DIR]` (export chosen subnetworks as a smaller model) and
 * `dynaxx transfer <run> --data FILE` (keep/retrain advice per subnetwork for a related task).
 */
import { join, resolve } from 'node:path';
import { initBackend } from '../backend/backends';
import { evaluationSplit } from '../data/eval-split';
import { loadDataset } from '../data/load';
import { UserError } from '../errors';
import { storedResult } from '../modularity/plugin';
import { exportKept, MODULARITY_REPORT, partitionOf, summarize, type ModularityReport } from '../modularity/report';
import { transferAdvice } from '../modularity/transfer';
import { RunStore } from '../store/run-store';
import { table } from './progress';
import { dirname } from 'node:path';
import { readFileSync } from 'node:fs';

export async function modulesCommand(runsDir: string, runId: string, o: { extract?: string; out?: string; json?: boolean }): Promise<string> {
  const dir = new RunStore(runsDir).open(runId);
  const report = dir.readReport(MODULARITY_REPORT) as ModularityReport | undefined;
  if (o.extract === undefined) {
    if (!report) throw new UserError(`run ${dir.id} has no modularity report: it is not a modular run, or it has not completed`);
    return o.json ? `${JSON.stringify(report)}\n` : `${summarize(report).join('\n')}\n`;
  }
  const ids = o.extract.split(',').map((x) => Number(x.trim()));
  const model = dir.readSpec();
  const spec = model.modularity;
  if (!spec) throw new UserError(`run ${dir.id} is not a modular run`);
  if (ids.some((x) => !Number.isInteger(x) || x < 0 || x >= spec.subnetworks)) throw new UserError(`--extract takes subnetwork ids between 0 and ${spec.subnetworks - 1}, comma-separated; got '${o.extract}'`);
  const ckpt = dir.readCheckpoint();
  const r = ckpt && storedResult(spec, model.layers, ckpt.state);
  if (!ckpt || !r) throw new UserError(`run ${dir.id} has no checkpoint with modularity state`);
  await initBackend(model.train.backend);
  const dataset = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
  const { partition } = partitionOf(r);
  for (const l of partition.layers) {
    if (!l.labels.some((s) => ids.includes(s))) throw new UserError(`subnetworks ${ids.join(', ')} have no unit in layer '${l.layerId}': a model needs at least one unit per layer; add a subnetwork that has some`);
  }
  const out = resolve(o.out ?? join(dir.dir, 'export', `subnetworks-${ids.join('-')}`));
  const sourceText = readFileSync(join(dir.dir, 'model.dynaxx.yaml'), 'utf8');
  const ex = await exportKept(model, sourceText, ckpt.weights, partition, r, dataset, evaluationSplit(dataset).split, out, new Set(ids));
  if (o.json) return `${JSON.stringify(ex)}\n`;
  return `${table(['subnetworks', 'params', 'of full', 'FLOPs', 'accuracy', 'written to'], [[
    ids.join(', '), ex.params, `${((100 * ex.params) / ex.fullParams).toFixed(1)}%`, ex.flops, ex.accuracy.map((a) => `${(100 * a).toFixed(1)}%`).join(' / '), ex.dir,
  ]])}\n`;
}

export async function transferCommand(runsDir: string, runId: string, dataFile: string | undefined, o: { samples?: number; json?: boolean }): Promise<string> {
  if (!dataFile) throw new UserError('transfer needs the new task: dynaxx transfer <run> --data new-task.dynaxx.yaml (its data: section is read)');
  const r = await transferAdvice(runsDir, runId, resolve(dataFile), { samples: o.samples });
  if (o.json) return `${JSON.stringify(r)}\n`;
  return `${table(['subnetwork', 'units', 'gradient cosine', 'new/old gradient', 'relative', 'advice'], r.rows.map((x) => [
    x.subnetwork, x.units, x.cosine.toFixed(3), Number.isFinite(x.ratio) ? x.ratio.toFixed(2) : 'inf', x.relative.toFixed(2), x.advice,
  ]))}\n`;
}
