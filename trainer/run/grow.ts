/**
 * "Start a growth run" (`dynaxx grow`, `modularity/grow`): the parent run and the new data read and checked,
 * the grown model planned (trainer/modularity/growth-plan.ts), and the run built by the same assembly as any
 * other, with growth in place of discovery: layer statistics, monitors, a stabilizer or routing come with the
 * grown model as they would with a new run of it.
 */
import { dirname } from 'node:path';
import { loadModelFile } from '../../spec';
import { initBackend } from '../backend/backends';
import { loadDataset } from '../data/load';
import { requireOnePositionPerTask } from '../data/positions';
import { growthTechnique, planGrowth, readParent, subnetworksToAdd, type GrowOptions } from '../modularity/growth';
import { checkResources } from '../resources';
import { RunStore } from '../store/run-store';
import { assembleRun } from './assemble';
import { checkCompatible, checkFits } from './compatible';
import { replacing, RUN_TECHNIQUES } from './techniques';
import type { PreparedRun, SessionOptions } from './types';

/** Prepares a growth run of `runId` on the data described by `dataFile` (its `data:` section). */
export async function startGrowth(runId: string, dataFile: string, o: GrowOptions, opts: SessionOptions): Promise<PreparedRun> {
  const parent = readParent(new RunStore(opts.runsDir), runId);
  const add = subnetworksToAdd(o);
  const dataModel = loadModelFile(dataFile);
  const backend = await initBackend(o.backend ?? dataModel.train.backend);
  checkResources(dataModel, backend.backend); // the new data fits before it is generated
  const dataset = loadDataset(dataModel.data, { seed: dataModel.train.seed, baseDir: dirname(dataModel.file) });
  requireOnePositionPerTask(dataset, 'growth');
  const plan = planGrowth(parent, add, dataset, dataFile, o);
  checkCompatible(plan.model, dataset);
  checkFits(plan.model, backend, undefined, opts);
  const techniques = replacing(RUN_TECHNIQUES, growthTechnique(plan));
  return assembleRun({ model: plan.model, dataset, sourceText: plan.text, backend, techniques }, opts);
}
