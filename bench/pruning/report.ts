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
