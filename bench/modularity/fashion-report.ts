/**
 * The Fashion-MNIST modularity ablation table (bench/modularity/fashion.ts): one row per arm, mean ± sd over seeds.
 * Several result files (an arm run later, `--fashion-arms`) make one table: arms in file order, then as listed.
 */
import { meanSd } from './ablations';
import type { FashionDoc } from './fashion';

export function fashionModularityTable(docs: FashionDoc | FashionDoc[]): string {
  const all = Array.isArray(docs) ? docs : [docs];
  const doc = { arms: all.flatMap((d) => d.arms), results: all.flatMap((d) => d.results) };
  const head = ['arm', 'what differs from full', 'seeds', 'test accuracy %', 'class specialization ↑', 'same, random partitions of its network', 'largest one-class drop (class, points; overall drop)', 'Q hidden graph', 'subnetworks open', 'ms/step (median)'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const { id, what } of doc.arms) {
    const rs = doc.results.filter((r) => r.arm === id);
    if (rs.length === 0) continue;
    const has = rs[0]!.classSpecialization !== undefined;
    const num = (f: (r: (typeof rs)[number]) => number | undefined, d: number) => (has ? meanSd(rs.map((r) => f(r)!), d) : '');
    const top = has ? rs.map((r) => `${r.topClassDrop!.class} ${r.topClassDrop!.drop.toFixed(1)} (${r.topClassDrop!.overall.toFixed(1)})`).join('; ') : '';
    const open = has ? rs.map((r) => `${r.open}/${r.k}`).join(', ') : '';
    lines.push(`| ${[id, what, String(rs.length), meanSd(rs.map((r) => 100 * r.testAccuracy), 1), num((r) => r.classSpecialization, 3), num((r) => r.randomClassSpecialization, 3), top,
      num((r) => r.q, 2), open, meanSd(rs.map((r) => r.stepMsMedian), 1)].join(' | ')} |`);
  }
  return lines.join('\n');
}
