/** `dynaxx prune`: the sweep's outcome (trainer/pruning/command.ts `PruneOutcome`) as the CLI's tables. */
import { join } from 'node:path';
import type { PruneOutcome } from '../pruning/command';
import { table } from './progress';

/**
 * The dense model, the accuracy and speed-up of each pruned point, selection stability, and routing when it ran;
 * every accuracy names its split (issue 16: choices on the selection split, numbers on the report split).
 */
export function formatOutcome(r: PruneOutcome): string {
  const s = r.sweep;
  const lines: string[] = [];
  const name = (c: string) => s.criterionLabels?.[c] ?? c;
  lines.push(`dense ${s.model}: ${s.dense.flops} FLOPs, ${s.dense.params} params, accuracy ${pct(s.dense.accuracyMean)} (${s.split}), ${s.dense.latencyMs.toFixed(2)} ms per batch of ${s.settings.latencyBatch} on ${s.backend}`);
  if (s.splitNote) lines.push(`splits: ${s.splitNote}`);
  const head = ['criterion', ...s.settings.targets.map((t) => `−${t}% FLOPs`)];
  const rows = s.settings.criteria.map((c) => [name(c), ...s.settings.targets.map((t) => {
    const ps = s.points.filter((p) => p.criterion === c && p.target === t);
    if (ps.length === 0) return '-';
    const acc = ps.reduce((a, p) => a + p.accuracyMean, 0) / ps.length;
    const sp = ps.reduce((a, p) => a + p.speedup, 0) / ps.length;
    return `${pct(acc)} ${sp.toFixed(2)}×`;
  })]);
  lines.push(`accuracy on ${s.split} and CPU speed-up of each pruned, fine-tuned model:`, table(head, rows));
  if (Object.keys(s.stability).length > 0) {
    lines.push('selection stability across seeds (Jaccard of kept channels):', table(head, s.settings.criteria.map((c) => [name(c), ...s.settings.targets.map((t) => (s.stability[c]?.[String(t)] ?? NaN).toFixed(3))])));
  }
  if (r.routing) {
    const rt = r.routing;
    const on = rt.split ?? s.split;
    const chosenOn = rt.selection?.split;
    const how = rt.expert ? (rt.expert.by === 'accuracy' ? `, the most accurate on ${rt.expert.split} (${pct(rt.expert.accuracyMean)})` : ', route.criterion') : '';
    lines.push(`routing: ${name(rt.criterion)} −${rt.target}% expert${how} (cost ${rt.prunedCost.toFixed(3)}) vs full; on ${on}: accuracy pruned ${pct(rt.accuracyPruned)}, full ${pct(rt.accuracyFull)}; signal ${rt.signal}`);
    lines.push(table(['threshold', 'to full', 'expected cost', `accuracy (${on})`], rt.points.map((p) => [p.threshold.toFixed(4), pct(p.shareFull), p.expectedCost.toFixed(3), pct(p.accuracy)])));
    if (rt.noLoss) {
      const chosen = chosenOn ? `threshold ${rt.noLoss.threshold.toFixed(4)} chosen on ${chosenOn} (accuracy there ${pct(rt.selection!.noLoss?.accuracy ?? NaN)}, full ${pct(rt.selection!.accuracyFull)}); on ${on}: ` : '';
      lines.push(`no-loss point: ${chosen}${pct(rt.noLoss.shareFull)} to the full expert, expected cost ${rt.noLoss.expectedCost.toFixed(3)}, accuracy ${pct(rt.noLoss.accuracy)}`);
    }
  }
  lines.push(`results: ${join(r.runDir, 'reports', 'pareto.json')}${r.routing ? `, ${join(r.runDir, 'reports', 'routing.json')}` : ''}; pruned models in ${join(r.runDir, 'export', 'pruned')}/`);
  return `${lines.join('\n')}\n`;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
