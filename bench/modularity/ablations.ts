/**
 * The ablations and controls of the modularity benchmark (issue 16): the model file's `modularity:` block with
 * one part taken away or replaced, trained per seed beside (a) and (b), and scored like (a): the arm's own
 * partition (its subnetworks' labels at the end), specialization / NMI / purity / Q, accuracy, masks open.
 */
import type { ModelFile } from '../../spec';
import type { Dataset } from '../../trainer/data/types';
import { dynaxxPartition, liveSubnetworks, readWeights } from './partitions';
import { netContext, scorePartition, type PartitionScores } from './scores';
import { mean, trainArm, type ArmRun } from './train';

export interface AblationArm {
  id: string;
  /** What differs from the file's block, for the table. */
  what: string;
  /** Changes the parsed model's `modularity` spec in place. */
  edit(m: ModelFile): void;
  fixedRandomLabels?: boolean;
}

export const ABLATIONS: AblationArm[] = [
  { id: 'no-modularity-loss', what: 'modularityWeight, …Step = 0 (clustering, masks and diversity stay)', edit: (m) => Object.assign(m.modularity!, { modularityWeight: 0, modularityWeightStep: 0 }) },
  { id: 'no-diversity-loss', what: 'diversityWeight = 0', edit: (m) => Object.assign(m.modularity!, { diversityWeight: 0 }) },
  // sigmoid(1000 / T) is exactly 1 in float32 for every T ≥ 0.05, with a zero gradient: the masks never move
  { id: 'masks-off', what: 'maskInit = 1000: every mask exactly 1 throughout (no gradient reaches θ)', edit: (m) => Object.assign(m.modularity!, { maskInit: 1000, maskCost: 0 }) },
  { id: 'random-fixed-l1', what: 'labels random (same sizes), never re-clustered; L1 loss, diversity and masks as in (a)', edit: () => {}, fixedRandomLabels: true },
  // can masks close at all? θ moves about lr per step under Adam, so from maskInit 3 it cannot reach 0 in this run
  { id: 'mask-cost-1', what: 'maskCost = 1, maskInit = 0.5 (defaults 0 and 3)', edit: (m) => Object.assign(m.modularity!, { maskCost: 1, maskInit: 0.5 }) },
  { id: 'mask-cost-10', what: 'maskCost = 10, maskInit = 0.5', edit: (m) => Object.assign(m.modularity!, { maskCost: 10, maskInit: 0.5 }) },
  { id: 'k16-defaults', what: 'subnetworks, band, alarms at the spec defaults: 16, [10, 20], [5, 30]', edit: (m) => Object.assign(m.modularity!, { subnetworks: 16, band: [10, 20], alarms: [5, 30] }) },
];

export function ablationById(id: string): AblationArm {
  const a = ABLATIONS.find((x) => x.id === id);
  if (!a) throw new Error(`--ablations: unknown arm '${id}' (one of ${ABLATIONS.map((x) => x.id).join(', ')})`);
  return a;
}

/** One arm, one seed. */
export interface AblationResult {
  arm: string;
  seed: number;
  /** Validation accuracy, mean over tasks, with the arm's final (hard) masks. */
  accuracy: number;
  specialization: number;
  nmi: number;
  purity: number;
  q: number;
  /** Subnetworks with a working unit at the end, of k. */
  open: number;
  k: number;
  seconds: number;
}

/** Scores a trained arm's own partition; the caller disposes the run. */
export async function scoreRun(run: ArmRun, dataset: Dataset, seed: number): Promise<{ scores: PartitionScores; open: number }> {
  const found = dynaxxPartition(run.modularity!);
  const w = await readWeights(run.loop, found.hiddenIds, found.outputId, found.alive);
  const ctx = await netContext(run.loop.net, dataset, { transformOutput: run.loop.evalContext().transformOutput, step: run.loop.currentStep }, w, seed);
  return { scores: await scorePartition(ctx, found.partition), open: liveSubnetworks(found.partition, found.alive) };
}

export function ablationResult(arm: string, run: ArmRun, s: { scores: PartitionScores; open: number }): AblationResult {
  const tasks = Object.values(run.finalTaskAccuracy);
  const { specialization, nmi, purity, q } = s.scores;
  return { arm, seed: run.seed, accuracy: mean(tasks), specialization, nmi, purity, q, open: s.open, k: run.modularity!.k, seconds: run.seconds };
}

export async function runAblation(a: AblationArm, base: () => ModelFile, dataset: Dataset, seed: number): Promise<AblationResult> {
  const model = base();
  a.edit(model);
  const run = await trainArm({ arm: 'dynaxx', model }, dataset, { fixedRandomLabels: a.fixedRandomLabels });
  try {
    return ablationResult(a.id, run, await scoreRun(run, dataset, seed));
  } finally {
    run.loop.dispose();
  }
}

const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** "mean ± sd" (sample sd), or the one value. */
export function meanSd(xs: number[], digits = 2): string {
  if (xs.length === 1) return f(xs[0]!, digits);
  const m = mean(xs);
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
  return `${f(m, digits)} ± ${f(sd, digits)}`;
}

/** The ablation table: one row per arm (in `order`), mean ± sd over its seeds. */
export function ablationTable(rows: AblationResult[], order: Array<{ id: string; what: string }>): string {
  const head = ['arm', 'what differs from (a)', 'seeds', 'validation accuracy %', 'specialization ↑', 'NMI ↑', 'unit task purity ↑', 'Q hidden graph ↑', 'subnetworks open at the end'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const { id, what } of order) {
    const rs = rows.filter((r) => r.arm === id);
    if (rs.length === 0) continue;
    const open = rs.map((r) => `${r.open}/${r.k}`).join(', ');
    lines.push(`| ${[id, what, String(rs.length), meanSd(rs.map((r) => 100 * r.accuracy), 1), meanSd(rs.map((r) => r.specialization)), meanSd(rs.map((r) => r.nmi)), meanSd(rs.map((r) => r.purity)), meanSd(rs.map((r) => r.q)), open].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The rows of the table in order: (a) as written first, then the arms that ran. */
export function ablationOrder(ids: string[]): Array<{ id: string; what: string }> {
  return [{ id: 'full', what: '— (the file\'s block: clustering + L1 + diversity + masks)' }, ...ids.map((id) => ({ id, what: ablationById(id).what }))];
}
