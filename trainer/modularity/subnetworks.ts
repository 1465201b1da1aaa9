/**
 * Exporting chosen subnetworks of a finished modular run as a physically smaller model: the one domain function
 * behind `dynaxx modules <run> --extract 0,2` and the JSON-RPC `modularity/extract`, which only format its result.
 * The run's last checkpoint gives the weights and the unit partition; the accuracy of the smaller model is
 * measured on the run's evaluation split.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { initBackend } from '../backend/backends';
import { evaluationSplit } from '../data/eval-split';
import { loadDataset } from '../data/load';
import { UserError } from '../errors';
import { RunStore } from '../store/run-store';
import { storedResult } from './plugin';
import { exportKept, partitionOf, type ModularityReport } from './report';

/** What an extraction wrote: where, its size next to the full model's, its accuracy per task, units removed per layer. */
export type SubnetworkExport = NonNullable<ModularityReport['export']>;

export interface ExtractOptions {
  /** Subnetwork ids to keep (at least one). */
  subnetworks: number[];
  /** Export folder (default `<run>/export/subnetworks-<ids>`). */
  outDir?: string;
}

/**
 * Writes the subnetworks `o.subnetworks` of run `runId` as a smaller model (`trainer/surgery/export.ts` format).
 * Throws a UserError when the run is not a finished modular run, an id is out of range, or the chosen
 * subnetworks leave a modular layer without units.
 */
export async function extractSubnetworks(runsDir: string, runId: string, o: ExtractOptions): Promise<SubnetworkExport> {
  const dir = new RunStore(runsDir).open(runId);
  const ids = o.subnetworks;
  const model = dir.readSpec();
  const spec = model.modularity;
  if (!spec) throw new UserError(`run ${dir.id} is not a modular run`);
  if (ids.length === 0) throw new UserError(`choose at least one subnetwork of run ${dir.id} to extract (ids 0 to ${spec.subnetworks - 1})`);
  if (ids.some((x) => !Number.isInteger(x) || x < 0 || x >= spec.subnetworks)) {
    throw new UserError(`run ${dir.id} has subnetworks 0 to ${spec.subnetworks - 1}; got ${ids.join(', ')}`);
  }
  const ckpt = dir.readCheckpoint();
  const r = ckpt && storedResult(spec, model.layers, ckpt.state);
  if (!ckpt || !r) throw new UserError(`run ${dir.id} has no checkpoint with modularity state`);
  await initBackend(model.train.backend);
  const dataset = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
  const { partition } = partitionOf(r);
  for (const l of partition.layers) {
    if (!l.labels.some((s) => ids.includes(s))) throw new UserError(`subnetworks ${ids.join(', ')} have no unit in layer '${l.layerId}': a model needs at least one unit per layer; add a subnetwork that has some`);
  }
  const out = resolve(o.outDir ?? join(dir.dir, 'export', `subnetworks-${ids.join('-')}`));
  const sourceText = readFileSync(join(dir.dir, 'model.dynaxx.yaml'), 'utf8');
  return exportKept(model, sourceText, ckpt.weights, partition, r, dataset, evaluationSplit(dataset).split, out, new Set(ids));
}
