/**
 * The growth row of the modularity benchmark, through the same path as `dynaxx train` then `dynaxx grow`
 * (trainer/session.ts, trainer/modularity/growth.ts): a modular network trained on tasks t1, t2 of the
 * multi-task set (examples/growth-base.dynaxx.yaml) grows new subnetworks for t3
 * (examples/growth-new-task.dynaxx.yaml), its old subnetworks frozen. Reports the old tasks' accuracy
 * before and after, the new task's accuracy, and whether the frozen weights stayed bit-identical.
 * Runs in a temporary runs folder, removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRun } from '../../trainer/session';
import { RunStore } from '../../trainer/store/run-store';
import type { GrowthReport } from '../../trainer/modularity/growth';
import { startGrowth } from '../../trainer/run/grow';
import type { Options } from './options';
import { growthTable } from './report';

export const GROWTH_BASE = 'examples/growth-base.dynaxx.yaml';
export const GROWTH_DATA = 'examples/growth-new-task.dynaxx.yaml';
/** Subnetworks added for the new task (the example's `--add 2`). */
export const GROWTH_ADD = 2;

export interface GrowthResult {
  seed: number;
  /** The parent's final validation accuracy on its own tasks, as its run reported it. */
  parentAccuracy: Record<string, number>;
  report: GrowthReport;
  seconds: { parent: number; growth: number };
  markdown: string;
}

export type GrowthRow = { skipped: string } | GrowthResult;

export async function growthRow(o: Options, root: string, log: (m: string) => void): Promise<GrowthRow> {
  const seed = o.seeds[0]!;
  const runsDir = mkdtempSync(join(tmpdir(), 'dynaxx-bench-growth-'));
  const quiet = { runsDir, monitors: [] as string[] };
  try {
    log(`growth: training ${GROWTH_BASE} (t1, t2), seed ${seed}`);
    const parent = await startRun(join(root, GROWTH_BASE), { seed, epochs: o.epochs }, quiet);
    let t0 = performance.now();
    const pr = await parent.run();
    const parentSeconds = (performance.now() - t0) / 1000;
    if (pr.status !== 'completed') return { skipped: `the parent run ${pr.status}${pr.error ? `: ${pr.error}` : ''}` };
    log(`growth: growing run ${parent.runId} by ${GROWTH_ADD} subnetworks for t3 (${GROWTH_DATA})`);
    const grown = await startGrowth(parent.runId, join(root, GROWTH_DATA), { add: GROWTH_ADD, epochs: o.epochs }, quiet);
    t0 = performance.now();
    const gr = await grown.run();
    const growthSeconds = (performance.now() - t0) / 1000;
    if (gr.status !== 'completed') return { skipped: `the growth run ${gr.status}${gr.error ? `: ${gr.error}` : ''}` };
    const report = new RunStore(runsDir).open(grown.runId).readReport('growth') as GrowthReport | undefined;
    if (!report) return { skipped: 'the growth run wrote no reports/growth.json' };
    const parentAccuracy: Record<string, number> = {};
    for (const [k, v] of Object.entries(pr.final)) if (k.startsWith('valAccuracy_')) parentAccuracy[k.slice('valAccuracy_'.length)] = v;
    return { seed, parentAccuracy, report, seconds: { parent: parentSeconds, growth: growthSeconds }, markdown: growthTable(report, seed) };
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
}
