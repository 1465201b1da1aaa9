/**
 * The markdown of confidence routing over training seeds (seed 002, issue 16): for each trained model of a
 * pruning-seeds file swept with `--route` (scripts/bench-prune.mjs), the routed system at its operating point (the
 * `noLoss` threshold, chosen on the selection split) against the full expert alone, on the report split; then
 * mean ± sd over the models. BENCHMARKS.md's copy is regenerated from the same file (bench/tables, `pruning-routing-seeds`).
 */
import type { RoutingReport } from '../../protocol/reports';
import type { PruningSeedsFile } from './report';

const meanSd = (xs: number[]) => {
  const m = xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : NaN;
  return { m, sd };
};
const fixed = (x: number, digits: number) => x.toFixed(digits).replace(/^-(0\.0*)$/, '$1');
const fmt = (xs: number[], scale: number, digits: number) => {
  const { m, sd } = meanSd(xs);
  return `${fixed(m * scale, digits)} ± ${fixed(sd * scale, digits)}`;
};

/** One trained model's routing at its operating point; undefined numbers when no threshold kept the full accuracy. */
interface Row { trainSeed: number; r: RoutingReport }

export function routingSeedsMarkdown(doc: PruningSeedsFile): string {
  const rows: Row[] = doc.runs.flatMap((run) => (run.routing ? [{ trainSeed: run.trainSeed, r: run.routing }] : []));
  if (rows.length === 0) return 'No routing in this file (sweeps run without `--route`).';
  const first = rows[0]!.r;
  const pct = (x: number) => fixed(100 * x, 1);
  const op = (r: RoutingReport) => r.noLoss;
  const lines = [
    `${rows.length} trained models (training seeds ${rows.map((x) => x.trainSeed).join(', ')}); each routes its pruned expert at −${first.target}% FLOPs (the criterion most accurate on ${first.expert?.split ?? 'validation'} for the run's own pruning seed) to the full expert by ${first.signal}; the operating point is the cheapest threshold with no accuracy loss (tolerance ${fixed(100 * first.tolerance, 1)} points) on ${first.selection?.split ?? 'the same split'}, its numbers below on ${first.split ?? 'test'} (${first.samples} samples). Accuracy in %; cost in units of the full expert's FLOPs (cascade: every input runs the pruned expert, routed ones also the full one).`,
    '',
    '| training seed | expert | pruned cost | full expert | pruned expert | routed | routed − full, points | to the full expert | expected cost | routed − full on ' + (first.selection?.split ?? 'selection') + ', points |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const dash = '—';
  for (const { trainSeed, r } of rows) {
    const p = op(r);
    const sel = r.selection?.noLoss;
    lines.push(`| ${trainSeed} | ${r.criterion} −${r.target}% | ${r.prunedCost.toFixed(3)} | ${pct(r.accuracyFull)} | ${pct(r.accuracyPruned)} | ${p ? pct(p.accuracy) : dash} | ${p ? fixed(100 * (p.accuracy - r.accuracyFull), 1) : dash} | ${p ? `${pct(p.shareFull)}%` : dash} | ${p ? p.expectedCost.toFixed(3) : dash} | ${sel && r.selection ? fixed(100 * (sel.accuracy - r.selection.accuracyFull), 1) : dash} |`);
  }
  const withOp = rows.filter((x) => op(x.r));
  const col = (f: (r: RoutingReport) => number) => withOp.map((x) => f(x.r));
  if (withOp.length > 1) {
    lines.push(`| mean ± sd (${withOp.length}) | | ${fmt(col((r) => r.prunedCost), 1, 3)} | ${fmt(col((r) => r.accuracyFull), 100, 1)} | ${fmt(col((r) => r.accuracyPruned), 100, 1)} | ${fmt(col((r) => op(r)!.accuracy), 100, 1)} | ${fmt(col((r) => op(r)!.accuracy - r.accuracyFull), 100, 1)} | ${fmt(col((r) => op(r)!.shareFull), 100, 1)}% | ${fmt(col((r) => op(r)!.expectedCost), 1, 3)} | |`);
  }
  const held = withOp.filter((x) => op(x.r)!.accuracy >= x.r.accuracyFull).length;
  const cheaper = withOp.filter((x) => op(x.r)!.expectedCost < 1).length;
  lines.push('', `Routed system at least as accurate as the full expert on ${first.split ?? 'test'}: ${held} of ${rows.length}; expected cost below the full expert's (1.000): ${cheaper} of ${rows.length}.`);
  return lines.join('\n');
}
