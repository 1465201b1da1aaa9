/** One-line summaries of the path statistics for the CLI (`dynaxx paths <run>`, issue 8). */
import { formatPath, type DnaLayerReport, type DnaPathStats } from '../../../protocol/dna';

/** 1.2 M, 35 k, 820: FLOPs with a unit. */
export function formatFlops(flops: number): string {
  for (const [unit, scale] of [['G', 1e9], ['M', 1e6], ['k', 1e3]] as const) {
    if (flops >= scale) {
      const v = flops / scale;
      return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${unit}`;
    }
  }
  return flops.toFixed(0);
}

/** 45%, 3.2%, 0%: one decimal below 10%. */
export function formatShare(share: number): string {
  const pct = share * 100;
  return pct === 0 || pct >= 9.95 ? `${pct.toFixed(0)}%` : `${pct.toFixed(1)}%`;
}

const fit = (s: DnaPathStats) => (s.powerLaw ? `${s.powerLaw.exponent.toFixed(2)} (r² ${s.powerLaw.r2.toFixed(2)})` : 'none');

/** Trained against random-init statistics, a line per aspect: paths and power law, entropy, each association, FLOPs. */
export function comparePathStats(trained: DnaPathStats, random: DnaPathStats, boundFlopsPerToken?: number): string[] {
  const lines = [
    `paths: ${trained.distinctPaths} distinct (random init ${random.distinctPaths}); power-law exponent ${fit(trained)} vs ${fit(random)} (random)`,
    `path entropy ${trained.entropyBits.toFixed(1)} bits vs ${random.entropyBits.toFixed(1)} at init (uniform ${trained.maxEntropyBits.toFixed(1)})`,
  ];
  for (const a of trained.associations) {
    const r = random.associations.find((x) => x.by === a.by);
    const init = r ? ` vs ${r.nmi.toFixed(2)} at init (chance ${r.nmiChance.toFixed(2)}, adjusted ${r.nmiAdjusted.toFixed(2)})` : '';
    lines.push(`NMI(path, ${a.by}) ${a.nmi.toFixed(2)} (chance ${a.nmiChance.toFixed(2)}, adjusted ${a.nmiAdjusted.toFixed(2)})${init}; first hop only ${a.nmiFirstHop.toFixed(2)}`);
  }
  const bound = boundFlopsPerToken !== undefined ? `; bound ${formatFlops(boundFlopsPerToken)}` : '';
  lines.push(`FLOPs/token ${formatFlops(trained.flopsPerToken)} (random init ${formatFlops(random.flopsPerToken)}${bound})`);
  return lines;
}

/** A layer's summary: header, comparison with random init, top 5 paths, usage per hop with the dropped share. */
export function summaryLines(layer: DnaLayerReport): string[] {
  const s = layer.trained;
  const lines = [
    `${layer.layerId}: ${layer.hops} hops, top-${layer.k} of ${layer.modules.map((m) => m.label).join(' ')}; ${s.tokens} tokens`,
    ...comparePathStats(s, layer.random, layer.boundFlopsPerToken).map((l) => `  ${l}`),
    '  top paths:',
    ...s.topPaths.slice(0, 5).map((p, i) => `    ${i + 1}. ${formatShare(p.share).padStart(5)}  ${formatPath(p.path, layer.modules)}`),
  ];
  const header = ['', ...layer.modules.map((m) => m.label), 'dropped'];
  const rows = s.usage.map((row, h) => [`hop ${h}`, ...row.map(formatShare), formatShare(s.dropped[h] ?? 0)]);
  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c].length)));
  const render = (r: string[]) => `    ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}`;
  lines.push('  usage (share of tokens):', render(header), ...rows.map(render));
  return lines;
}
