/**
 * `dynaxx modules <run>` (the discovered subnetworks of a modular run, from reports/modularity.json),
 * `dynaxx modules <run> --extract 0,2 [--out DIR]` (export chosen subnetworks as a smaller model) and
 * `dynaxx transfer <run> --data FILE` (keep/retrain advice per subnetwork for a related task). The work is done by
 * domain functions (`extractSubnetworks`, `transferAdvice`) that the JSON-RPC server calls too; this file formats.
 */
import { resolve } from 'node:path';
import { UserError } from '../errors';
import { MODULARITY_REPORT, summarize, type ModularityReport } from '../modularity/report';
import { extractSubnetworks } from '../modularity/subnetworks';
import { transferAdvice } from '../modularity/transfer';
import { RunStore } from '../store/run-store';
import { table } from './progress';

export async function modulesCommand(runsDir: string, runId: string, o: { extract?: string; out?: string; json?: boolean }): Promise<string> {
  if (o.extract === undefined) {
    const dir = new RunStore(runsDir).open(runId);
    const report = dir.readReport(MODULARITY_REPORT) as ModularityReport | undefined;
    if (!report) throw new UserError(`run ${dir.id} has no modularity report: it is not a modular run, or it has not completed`);
    return o.json ? `${JSON.stringify(report)}\n` : `${summarize(report).join('\n')}\n`;
  }
  const ids = o.extract.split(',').map((x) => (x.trim() === '' ? NaN : Number(x.trim())));
  if (ids.some((x) => !Number.isInteger(x) || x < 0)) throw new UserError(`--extract takes subnetwork ids (integers ≥ 0), comma-separated; got '${o.extract}'`);
  const ex = await extractSubnetworks(runsDir, runId, { subnetworks: ids, outDir: o.out });
  if (o.json) return `${JSON.stringify(ex)}\n`;
  return `${table(['subnetworks', 'params', 'of full', 'FLOPs', 'accuracy', 'written to'], [[
    ids.join(', '), ex.params, `${((100 * ex.params) / ex.fullParams).toFixed(1)}%`, ex.flops, ex.accuracy.map((a) => `${(100 * a).toFixed(1)}%`).join(' / '), ex.dir,
  ]])}\n`;
}

export async function transferCommand(runsDir: string, runId: string, dataFile: string | undefined, o: { samples?: number; json?: boolean }): Promise<string> {
  if (!dataFile) throw new UserError('transfer needs the new task: dynaxx transfer <run> --data new-task.dynaxx.yaml (its data: section is read)');
  const r = await transferAdvice(runsDir, runId, resolve(dataFile), { samples: o.samples });
  if (o.json) return `${JSON.stringify(r)}\n`;
  const on = r.splits ? `gradients on up to ${r.samples} samples of the run's ${r.splits.old} split and the new data's ${r.splits.new} split\n` : '';
  return `${on}${table(['subnetwork', 'units', 'gradient cosine', 'new/old gradient', 'relative', 'advice'], r.rows.map((x) => [
    x.subnetwork, x.units, x.cosine.toFixed(3), Number.isFinite(x.ratio) ? x.ratio.toFixed(2) : 'inf', x.relative.toFixed(2), x.advice,
  ]))}\n`;
}
