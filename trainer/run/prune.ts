/**
 * "Prune" (`dynaxx prune <model.dynaxx.yaml | run-id>`, the trainer's `prune/sweep`): a model file is trained first
 * (a normal run, built like any other), then the pruning sweep runs on the completed run (trainer/pruning/command.ts);
 * a run id must name a completed run. What would stop the sweep is said before anything is trained.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkPrunableBeforeTraining, checkPruneOverrides, sweepRun, type PruneOutcome, type PruneOverrides } from '../pruning/command';
import { UserError } from '../errors';
import { startRun } from '../session';
import type { SessionOptions } from './types';

export async function runPrune(target: string, o: PruneOverrides, session: SessionOptions): Promise<PruneOutcome> {
  checkPruneOverrides(o);
  const log = (s: string) => session.events?.onLog?.('info', s);
  let runId = target;
  if (existsSync(target) && /\.ya?ml$/.test(target)) {
    checkPrunableBeforeTraining(resolve(target));
    log(`training ${target} first (the dense model the sweep prunes)`);
    const run = await startRun(resolve(target), o.backend ? { backend: o.backend } : undefined, session);
    const result = await run.run();
    if (result.status !== 'completed') throw new UserError(`the dense run ${run.runId} ${result.status}${result.error ? `: ${result.error}` : ''}; nothing to prune`);
    runId = run.runId;
  }
  return sweepRun(runId, o, { runsDir: session.runsDir, signal: session.signal, log });
}
