/**
 * The transfer benchmark's tables (bench/modularity/transfer.ts): one row per arm over seeds (test accuracy on
 * the new task, per task, the paired difference to following the advice, steps to the validation target), and
 * per seed what the advice said about each subnetwork beside the task it serves in the parent's report.
 */
import { meanSd } from './ablations';
import { TRANSFER_ARMS, type TransferArmResult, type TransferDoc } from './transfer';

const pct = (x: number) => 100 * x;
const meanOf = (r: TransferArmResult) => Object.values(r.test).reduce((a, b) => a + b, 0) / Object.values(r.test).length;

export function transferTables(doc: TransferDoc): string {
  const tasks = Object.keys(doc.seeds[0]?.arms[0]?.test ?? {});
  const target = Math.round(100 * doc.options.target);
  const head = ['arm', 'what', 'seeds', 'test accuracy %, mean of tasks', ...tasks.map((t, i) => `${t} % (${i === 0 ? 'unchanged' : 'new'})`), 'vs advice, paired (points)', `steps to ${target}% (validation; per seed)`, 'frozen units per layer'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  const arms = [{ id: 'parent', what: 'the parent as trained on the old task, no training on the new one' }, ...TRANSFER_ARMS];
  for (const { id, what } of arms) {
    const rs = doc.seeds.map((s) => s.arms.find((a) => a.arm === id)).filter((r): r is TransferArmResult => r !== undefined);
    if (rs.length === 0) continue;
    const diffs = doc.seeds.flatMap((s) => {
      const a = s.arms.find((x) => x.arm === id);
      const b = s.arms.find((x) => x.arm === 'advice');
      return a && b ? [pct(meanOf(a) - meanOf(b))] : [];
    });
    const steps = id === 'parent' ? '' : rs.map((r) => (r.stepsToTarget === null ? '—' : String(r.stepsToTarget))).join(' / ');
    const frozen = id === 'parent' ? '' : rs.map((r) => Object.values(r.frozenUnits).join('+')).join(', ');
    lines.push(`| ${[id, what, String(rs.length), meanSd(rs.map((r) => pct(meanOf(r))), 1), ...tasks.map((t) => meanSd(rs.map((r) => pct(r.test[t]!)), 1)),
      id === 'advice' || id === 'parent' ? '' : meanSd(diffs, 1), steps, frozen].join(' | ')} |`);
  }
  return `${lines.join('\n')}\n\n${adviceTable(doc)}`;
}

/** Per seed: the parent's accuracy and which subnetworks the advice keeps or retrains, with the task each serves. */
export function adviceTable(doc: TransferDoc): string {
  const head = ['seed', 'parent validation accuracy % (old task)', 'keep: subnetwork (task it serves; drop left/right, points; cosine, relative ratio)', 'retrain: subnetwork (same)'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < 2 ? '---:' : '---')).join(' | ')} |`];
  for (const s of doc.seeds) {
    const cell = (advice: string) => s.advice.filter((r) => r.advice === advice)
      .map((r) => `#${r.subnetwork} (${r.task ?? '—'}; ${r.drop.map((d) => d.toFixed(1)).join('/')}; ${r.cosine.toFixed(2)}, ${r.relative.toFixed(2)})`).join(', ') || '—';
    lines.push(`| ${[String(s.seed), s.parentAccuracy.map((a) => pct(a).toFixed(1)).join(' / '), cell('keep'), cell('retrain')].join(' | ')} |`);
  }
  return lines.join('\n');
}
