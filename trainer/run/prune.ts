/**
 * "Prune" (`dynaxx prune <model.dynaxx.yaml | run-id>`, the trainer's `prune/sweep`): a model file is trained first
 * (a normal run, built like any other), then the pruning sweep runs on the completed run (trainer/pruning/command.ts);
 * a run id must name a completed run. What would stop the sweep is said before anything is trained. A sweep's point
 * passes its model text (`modelText`), with `target` the name it is trained under.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkPrunableBeforeTraining, checkPruneOverrides, sweepRun, type PruneOutcome, type PruneOverrides } from '../pruning/command';
import { UserError } from '../errors';
import { startRun } from '../session';
import type { SessionOptions } from './types';

export async function runPrune(target: string, o: PruneOverrides, session: SessionOptions, modelText?: string): Promise<PruneOutcome> {
  checkPruneOverrides(o);
  const log = (s: string) => session.events?.onLog?.('info', s);
  let runId = target;
  if (modelText !== undefined || (existsSync(target) && /\.ya?ml$/.test(target))) {
    checkPrunableBeforeTraining(resolve(target), modelText);
    log(`training ${target} first (the dense model the sweep prunes)`);
    const run = await startRun(resolve(target), o.backend ? { backend: o.backend } : undefined, session, modelText);
    const result = await run.run();
    if (result.status !== 'completed') throw new UserError(`the dense run ${run.runId} ${result.status}${result.error ? `: ${result.error}` : ''}; nothing to prune`);
    runId = run.runId;
  }
  return sweepRun(runId, o, { runsDir: session.runsDir, signal: session.signal, log });
}
