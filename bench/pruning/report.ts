/**
 * The markdown of the pruning benchmark (scripts/bench-prune.mjs writes bench/pruning/results.json and prints it;
 * bench/tables regenerates BENCHMARKS.md's copy from the same file): accuracy per criterion and FLOP target, AGF
 * against the best other criterion, the size and speed-up at −50%, the seed stability and the routing curve.
 */
import type { RoutingReport, SweepResult } from '../../protocol/reports';

/** bench/pruning/results.json. */
export interface PruningResultsFile {
  run: string;
  machine: { cpu?: string; cores: number; node: string };
  sweep: SweepResult;
  routing?: RoutingReport;
}

const TRADITIONAL = ['l1', 'l2', 'wanda', 'ria', 'obd'];

export function pruningMarkdown(s: SweepResult, r?: RoutingReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}`;
  const at = (c: string, t: number) => s.points.filter((p) => p.criterion === c && p.target === t);
  const avg = (ps: SweepResult['points'], k: 'accuracyMean' | 'speedup') => ps.reduce((a, p) => a + p[k], 0) / Math.max(1, ps.length);
  const { criteria, targets, latencyBatch } = s.settings;
  const lines: string[] = [];
  lines.push(`dense reference: ${s.dense.flops} FLOPs, ${s.dense.params} params, accuracy ${pct(s.dense.accuracyMean)}% (${s.split}), ${s.dense.latencyMs.toFixed(1)} ms per batch of ${latencyBatch}`);
  lines.push('', `| criterion | ${targets.map((t) => `−${t}% FLOPs: accuracy (speed-up)`).join(' | ')} |`, `| --- | ${targets.map(() => '---:').join(' | ')} |`);
  for (const c of criteria) lines.push(`| ${c} | ${targets.map((t) => `${pct(avg(at(c, t), 'accuracyMean'))}% (${avg(at(c, t), 'speedup').toFixed(2)}×)`).join(' | ')} |`);
  lines.push('', '| target | AGF | best other criterion | AGF − best | random | traditional (l1, l2, wanda, ria, obd) below random |', '| --- | ---: | --- | ---: | ---: | --- |');
  for (const t of targets) {
    const agf = avg(at('agf', t), 'accuracyMean');
    const others = criteria.filter((c) => c !== 'agf').map((c) => ({ c, a: avg(at(c, t), 'accuracyMean') })).sort((x, y) => y.a - x.a);
    const rnd = avg(at('random', t), 'accuracyMean');
    const below = TRADITIONAL.filter((c) => criteria.includes(c) && avg(at(c, t), 'accuracyMean') < rnd);
    lines.push(`| −${t}% | ${pct(agf)}% | ${others[0]!.c} ${pct(others[0]!.a)}% | ${(100 * (agf - others[0]!.a)).toFixed(1)} pt | ${pct(rnd)}% | ${below.length ? below.join(', ') : 'none'} |`);
  }
  const pts50 = s.points.filter((p) => p.target === 50);
  if (pts50.length) {
    const params = pts50.map((p) => p.params);
    const speedups = pts50.map((p) => p.speedup);
    lines.push('', `At −50% FLOPs: ${Math.min(...params)}–${Math.max(...params)} params (dense ${s.dense.params}), CPU speed-up ${Math.min(...speedups).toFixed(2)}–${Math.max(...speedups).toFixed(2)}× (median of 10 batches of ${latencyBatch}, side by side with the dense model).`);
  }
  if (Object.keys(s.stability).length) {
    lines.push('', `| Jaccard across seeds | ${targets.map((t) => `−${t}%`).join(' | ')} |`, `| --- | ${targets.map(() => '---:').join(' | ')} |`);
    for (const c of criteria) lines.push(`| ${c} | ${targets.map((t) => (s.stability[c]?.[String(t)] ?? NaN).toFixed(3)).join(' | ')} |`);
  }
  if (r) {
    lines.push('', `Routing: ${r.criterion} −${r.target}% expert (cost ${r.prunedCost.toFixed(3)}), signal ${r.signal}; pruned ${pct(r.accuracyPruned)}%, full ${pct(r.accuracyFull)}%.`, '', '| threshold | to the full expert | expected cost | accuracy |', '| ---: | ---: | ---: | ---: |');
    for (const p of r.points) lines.push(`| ${p.threshold.toFixed(4)} | ${pct(p.shareFull)}% | ${p.expectedCost.toFixed(3)} | ${pct(p.accuracy)}% |`);
    if (r.noLoss) lines.push('', `No-loss point: ${pct(r.noLoss.shareFull)}% to the full expert, expected cost ${r.noLoss.expectedCost.toFixed(3)}, accuracy ${pct(r.noLoss.accuracy)}% (full ${pct(r.accuracyFull)}%).`);
  }
  return lines.join('\n');
}

/**
 * bench/results/pruning-<model>-seeds-<host>-<date>.json (`npm run bench:prune -- --model FILE --train-seeds LIST`):
 * one dense model trained per training seed, each swept by `dynaxx prune --seeds N` (N scoring/fine-tuning seeds on
 * the same trained weights). Stability is within a run (channels of independently trained models do not correspond).
 */
export interface PruningSeedsFile {
  model: string;
  machine: { cpu?: string; cores: number; node: string };
  options: { epochs: number; finetuneSteps: number; scoreSteps: number; seeds: number; trainSeeds: number[]; schedule?: string; scope?: string };
  /** Wall minutes of the script; absent when it formatted stored sweeps (`--from-reports`). */
  minutes?: number;
  /** `routing`: the run's reports/routing.json, when swept with `--route` (bench/pruning/routing-seeds.ts). */
  runs: Array<{ trainSeed: number; run: string; trainTestAccuracy: number; sweep: SweepResult; routing?: RoutingReport }>;
}

const meanSd = (xs: number[]) => {
  const m = xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : NaN;
  return { m, sd };
};

/**
 * Accuracy per criterion and target as mean ± sd over every (training seed, pruning seed) pair; each gradient-based
 * criterion against random and L1 as paired differences (same trained model, same scoring steps and fine-tuning data
 * order) with how many pairs it wins; selection stability (Jaccard over pruning-seed pairs) as mean ± sd over runs.
 */
export function pruningSeedsMarkdown(doc: PruningSeedsFile): string {
  const pts = doc.runs.flatMap((r) => r.sweep.points.map((p) => ({ ...p, run: r.run })));
  const { criteria, targets } = doc.runs[0]!.sweep.settings;
  const acc = (c: string, t: number) => pts.filter((p) => p.criterion === c && p.target === t).map((p) => p.accuracyMean);
  const fmt = (xs: number[], scale = 100, digits = 1) => {
    const { m, sd } = meanSd(xs);
    const f = (x: number) => (x * scale).toFixed(digits).replace(/^-(0\.0*)$/, '$1');
    return `${f(m)} ± ${f(sd)}`;
  };
  const n = acc(criteria[0]!, targets[0]!).length;
  const dense = doc.runs.map((r) => r.sweep.dense.accuracyMean);
  const lines = [
    `${doc.runs.length} trained models (training seeds ${doc.options.trainSeeds.join(', ')}, ${doc.options.epochs} epochs) × ${doc.options.seeds} pruning seed${doc.options.seeds === 1 ? '' : 's'} = ${n} sweeps per cell, schedule ${doc.runs[0]!.sweep.settings.schedule}, scope ${doc.runs[0]!.sweep.settings.scope}; accuracy in % on ${doc.runs[0]!.sweep.split}, mean ± sd over the ${n}. Dense reference (same ${doc.options.scoreSteps} + ${doc.options.finetuneSteps} steps): ${fmt(dense)}%.`,
    '',
    `| criterion | ${targets.map((t) => `−${t}% FLOPs`).join(' | ')} |`,
    `| --- | ${targets.map(() => '---:').join(' | ')} |`,
  ];
  const label = (c: string) => doc.runs[0]!.sweep.criterionLabels?.[c] ?? c;
  for (const c of criteria) lines.push(`| ${label(c)} | ${targets.map((t) => fmt(acc(c, t))).join(' | ')} |`);
  // paired differences: the same run, seed and target
  const paired = (a: string, b: string, t: number) => {
    const key = (p: (typeof pts)[number]) => `${p.run}/${p.seed}`;
    const bs = new Map(pts.filter((p) => p.criterion === b && p.target === t).map((p) => [key(p), p.accuracyMean]));
    return pts.filter((p) => p.criterion === a && p.target === t && bs.has(key(p))).map((p) => p.accuracyMean - bs.get(key(p))!);
  };
  const pairs = ([a, b]: [string, string]) => criteria.includes(a) && criteria.includes(b);
  const comparisons = ([['agf', 'random'], ['agf', 'l1'], ['taylor', 'random'], ['taylor', 'l1'], ['l1', 'random']] as Array<[string, string]>).filter(pairs);
  if (comparisons.length) {
    lines.push('', `| paired difference, points (wins of ${n}) | ${targets.map((t) => `−${t}%`).join(' | ')} |`, `| --- | ${targets.map(() => '---:').join(' | ')} |`);
    for (const [a, b] of comparisons) {
      lines.push(`| ${a} − ${b} | ${targets.map((t) => { const d = paired(a, b, t); return `${fmt(d)} (${d.filter((x) => x > 0).length})`; }).join(' | ')} |`);
    }
  }
  if (doc.options.seeds > 1) {
    lines.push('', `| Jaccard of kept channels across ${doc.options.seeds} pruning seeds, mean ± sd over ${doc.runs.length} trained models | ${targets.map((t) => `−${t}%`).join(' | ')} |`, `| --- | ${targets.map(() => '---:').join(' | ')} |`);
    for (const c of criteria) lines.push(`| ${label(c)} | ${targets.map((t) => fmt(doc.runs.map((r) => r.sweep.stability[c]?.[String(t)] ?? NaN), 1, 3)).join(' | ')} |`);
  }
  return lines.join('\n');
}
