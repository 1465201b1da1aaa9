/** The markdown tables of the modularity benchmark (for BENCHMARKS.md). */
import type { GrowthReport } from '../../protocol/reports';
import type { GrowthRow } from './growth';
import { ACCEPT_DROP, ACCEPT_SPARE } from './scores';
import type { Summary } from './summary';
import { mean } from './train';

const LABEL = {
  dynaxx: '(a) Dynaxx discovery',
  spectral: '(b) plain training + spectral clustering (Filan et al.)',
  random: '(c) random partitions, (a)\'s sizes',
};

const f = (x: number | undefined | null, digits = 2): string => (x === undefined || x === null || Number.isNaN(x) ? '—' : x.toFixed(digits));

/** "mean (seed 1 / seed 2 / …)", or the one value for a single seed. */
function perSeed(xs: number[], digits = 2): string {
  if (xs.length === 1) return f(xs[0], digits);
  return `${f(mean(xs), digits)} (${xs.map((x) => f(x, digits)).join(' / ')})`;
}

export function markdownTables(s: Summary, tasks: string[], target: number, seeds: number[], growth?: GrowthRow): string {
  const lines: string[] = [];
  const head = ['partition', 'specialization ↑', `best subnetwork's drop ${tasks.join(' / ')} (points)`, `drop ≥ ${ACCEPT_DROP} & other ≤ ${ACCEPT_SPARE}`, 'NMI subnetwork ↔ unit task ↑', 'unit task purity ↑', 'Q hidden graph ↑', `ARI across ${seeds.length} seeds: mass / per unit ↑`];
  lines.push(`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const m of s.methods) {
    const drops = m.bestDrops.map((d) => d.map((x) => f(x, 1)).join(' / ')).join('; ');
    const accepted = m.method === 'random'
      ? `${f(100 * mean(m.accepted), 0)}% of draws`
      : `${m.accepted.filter((a) => a > 0).length}/${m.accepted.length} seeds`;
    lines.push(`| ${[LABEL[m.method], perSeed(m.specialization), drops, accepted, perSeed(m.nmi), perSeed(m.purity), perSeed(m.q), seeds.length > 1 ? `${f(m.ari)} / ${f(m.ariPerUnit)}` : '—'].join(' | ')} |`);
  }
  lines.push('');
  const head2 = ['network (same widths)', 'validation accuracy', `epochs to ${f(100 * target, 0)}%`, 'ms/step: mean; median', 'step overhead vs plain: from means; from medians', 'clustering ms/step (share of a plain step)'];
  lines.push(`| ${head2.join(' | ')} |`, `| ${head2.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const a of s.arms) {
    const epochs = a.epochsToTarget.map((e) => (e === null ? 'not reached' : String(e))).join(' / ');
    const pcts = (xs: number[]) => xs.map((x) => `${x >= 0 ? '+' : ''}${f(x, 0)}%`).join(' / ');
    const over = a.arm === 'dynaxx' ? `${pcts(s.overheadPct)}; ${pcts(s.overheadPctMedian)}` : '';
    const clus = a.clusteringMsPerStep ? `${a.clusteringMsPerStep.map((x) => f(x, 2)).join(' / ')} (${s.clusteringPct.map((x) => `${f(x, 0)}%`).join(' / ')})` : '';
    lines.push(`| ${[a.arm === 'dynaxx' ? 'with `modularity:` (a)' : 'without (b)', perSeed(a.finalAccuracy.map((x) => 100 * x), 1), epochs, `${perSeed(a.stepMs, 1)}; ${f(mean(a.stepMsMedian), 1)}`, over, clus].join(' | ')} |`);
  }
  if (growth) {
    lines.push('');
    lines.push('skipped' in growth ? `Growth: skipped (${growth.skipped}).` : growthTable(growth.report, growth.seed));
  }
  return lines.join('\n');
}

/** The growth row: the old tasks' accuracy before and after growing, the new task's, and whether frozen weights stayed put. */
export function growthTable(r: GrowthReport, seed: number): string {
  const pct = (x: number | undefined) => (x === undefined ? '—' : (100 * x).toFixed(1));
  const head = [`growth (\`examples/growth-base\` → \`growth-new-task\`, multi-task set, seed ${seed})`, ...r.oldTasks.map((t) => `${t} before → after`), ...r.newTasks.map((t) => `new task ${t}`), 'frozen weights bit-identical'];
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    `| ${[`+${r.added} subnetworks (${Object.entries(r.unitsAdded).map(([id, n]) => `${id} +${n}`).join(', ')}), ${r.split} split`,
      ...r.oldTasks.map((_, i) => `${pct(r.before[i])} → ${pct(r.after[i])}`),
      ...r.newTasks.map((_, i) => pct(r.newAccuracy[i])),
      r.frozenIdentical ? 'yes' : `no (max change ${r.maxFrozenChange.toExponential(1)})`].join(' | ')} |`,
  ].join('\n');
}
