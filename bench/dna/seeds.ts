/**
 * The DNA benchmark over training seeds: one bench/dna/results*.json or bench/results/dna-*-seed<N>-*.json per seed
 * (scripts/bench-dna.mjs --seed N), the arms every file has, per seed and as mean ± sd: accuracy, the paired gap to
 * the dense transformer of the same seed, FLOPs per patch against dense, whether the seed-003 target holds, and the
 * routing control beyond the power-law exponent (adjusted NMI(path, class) and path entropy, trained against the same
 * routers at random initialisation). BENCHMARKS.md's copy is regenerated from the same files (bench/tables, `dna-seeds`).
 */
import { fashionResults, type DnaResult, type DnaResultsFile } from './report';

/** The examples' train.seed, which files written before `--seed` existed ran with. */
const DEFAULT_SEED = 42;

export interface SeedRun {
  seed: number;
  /** The Fashion-MNIST results of that seed, the dense transformer first. */
  results: DnaResult[];
}

export function seedRuns(files: DnaResultsFile[]): SeedRun[] {
  return files.map((f) => {
    const results = fashionResults(f.results);
    return { seed: results[0]?.seed ?? Number(f.options.seed ?? DEFAULT_SEED), results };
  });
}

const meanSd = (xs: number[]) => {
  const m = xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) : NaN;
  return { m, sd };
};
/** `m ± sd` of the defined values, `[n=…]` when some seeds lack the value (older files); '—' for none. */
const agg = (xs: Array<number | undefined>, f: (x: number) => string) => {
  const ys = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  if (ys.length === 0) return '—';
  const { m, sd } = meanSd(ys);
  return `${f(m)} ± ${Number.isNaN(sd) ? '—' : f(sd)}${ys.length < xs.length ? ` [n=${ys.length}]` : ''}`;
};
/** toFixed without a negative zero ("-0.0"). */
const fixed = (x: number, d: number) => x.toFixed(d).replace(/^-(0\.?0*)$/, '$1');
const pct = (x: number) => fixed(100 * x, 1);
const pt = pct;
const f2 = (x: number) => fixed(x, 2);
const f1 = (x: number) => fixed(x, 1);
const f0 = (x: number) => x.toFixed(0);
const pair = (a: number | undefined, b: number | undefined, f: (x: number) => string) => (a === undefined ? '—' : `${f(a)} (${b === undefined ? '—' : f(b)})`);

/** The seed-003 target: within 2 points of the dense model at ≤ 70% of its FLOPs per patch. */
export const meetsTarget = (r: DnaResult, dense: DnaResult) =>
  r.testAccuracy >= dense.testAccuracy - 0.02 && r.flopsPerToken <= 0.7 * dense.flopsPerToken;

/** Labels present in every seed's results, in the first seed's order. */
export function commonArms(runs: SeedRun[]): string[] {
  return (runs[0]?.results ?? []).map((r) => r.label).filter((l) => runs.every((s) => s.results.some((r) => r.label === l)));
}

interface Cell { seed: number; r: DnaResult; dense: DnaResult }
const cells = (runs: SeedRun[], label: string): Cell[] =>
  runs.map((s) => ({ seed: s.seed, r: s.results.find((r) => r.label === label)!, dense: s.results[0]! }));

/** Per arm, a row per seed and a mean ± sd row; then one verdict line per routed arm. */
export function seedsTable(files: DnaResultsFile[]): string {
  const runs = seedRuns(files);
  const lines = [
    `Seeds ${runs.map((s) => s.seed).join(', ')}; accuracy in %, Δ paired with the dense transformer of the same seed; "(random)": the same model's routers at initialisation; mean ± sd over seeds ([n=…]: only that many files have the value).`,
    '',
    '| model | seed | test accuracy | Δ vs dense | FLOPs per patch, of dense | within 2 pt at ≤ 70% | adjusted NMI(path, class) (random) | paths (random) | path entropy, bits (random) | power-law exponent (random) | training samples/s (of dense) |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const speed = (c: Cell) => (c.r.samplesPerSec === undefined ? undefined : c.r.samplesPerSec / (c.dense.samplesPerSec ?? NaN));
  for (const label of commonArms(runs)) {
    const cs = cells(runs, label);
    const isDense = cs.every((c) => c.r === c.dense);
    for (const c of cs) {
      const { r, dense } = c;
      lines.push(`| ${label} | ${c.seed} | ${pct(r.testAccuracy)} | ${isDense ? '—' : `${pt(r.testAccuracy - dense.testAccuracy)} pt`} | ${pct(r.flopsPerToken / dense.flopsPerToken)}% | ` +
        `${isDense ? '—' : meetsTarget(r, dense) ? 'yes' : 'no'} | ${pair(r.nmiClass, r.nmiClassRandom, f2)} | ${pair(r.distinct, r.distinctRandom, String)} | ` +
        `${pair(r.entropyBits, r.entropyBitsRandom, f1)} | ${pair(r.powerLaw, r.powerLawRandom, f2)} | ` +
        `${r.samplesPerSec === undefined ? '—' : `${f0(r.samplesPerSec)}${isDense ? '' : ` (${pct(speed(c)!)}%)`}`} |`);
    }
    const routed = cs.some((c) => c.r.nmiClass !== undefined);
    const both = (get: (r: DnaResult) => number | undefined, getRandom: (r: DnaResult) => number | undefined, f: (x: number) => string) =>
      routed ? `${agg(cs.map((c) => get(c.r)), f)} (${agg(cs.map((c) => getRandom(c.r)), f)})` : '—';
    lines.push(`| **${label}** | **mean ± sd** | ${agg(cs.map((c) => c.r.testAccuracy), pct)} | ${isDense ? '—' : `${agg(cs.map((c) => c.r.testAccuracy - c.dense.testAccuracy), pt)} pt`} | ` +
      `${agg(cs.map((c) => c.r.flopsPerToken / c.dense.flopsPerToken), pct)}% | ${isDense ? '—' : `${cs.filter((c) => meetsTarget(c.r, c.dense)).length} of ${cs.length}`} | ` +
      `${both((r) => r.nmiClass, (r) => r.nmiClassRandom, f2)} | ${both((r) => r.distinct, (r) => r.distinctRandom, f0)} | ${both((r) => r.entropyBits, (r) => r.entropyBitsRandom, f1)} | ` +
      `${both((r) => r.powerLaw, (r) => r.powerLawRandom, f2)} | ${isDense ? agg(cs.map((c) => c.r.samplesPerSec), f0) : `${agg(cs.map(speed), pct)}%`} |`);
  }
  lines.push('', ...verdictLines(runs));
  return lines.join('\n');
}

/** Per routed arm: on how many seeds the target holds, and the paired trained − random differences of the routing control. */
export function verdictLines(runs: SeedRun[]): string[] {
  const out: string[] = [];
  for (const label of commonArms(runs)) {
    const cs = cells(runs, label);
    if (cs.every((c) => c.r === c.dense)) continue;
    const held = cs.filter((c) => meetsTarget(c.r, c.dense)).length;
    const verdict = held === cs.length ? 'holds' : held === 0 ? 'does not hold' : 'mixed';
    let line = `- ${label}: within 2 pt of dense at ≤ 70% of its FLOPs on ${held} of ${cs.length} seeds, **${verdict}** (Δ ${agg(cs.map((c) => c.r.testAccuracy - c.dense.testAccuracy), pt)} pt at ${agg(cs.map((c) => c.r.flopsPerToken / c.dense.flopsPerToken), pct)}% of the dense FLOPs)`;
    const nmi = cs.filter((c) => c.r.nmiClass !== undefined && c.r.nmiClassRandom !== undefined);
    if (nmi.length) {
      line += `; adjusted NMI(path, class) above the random routers' on ${nmi.filter((c) => c.r.nmiClass! > c.r.nmiClassRandom!).length} of ${nmi.length} seeds (trained − random ${agg(nmi.map((c) => c.r.nmiClass! - c.r.nmiClassRandom!), f2)})`;
    }
    const ent = cs.filter((c) => c.r.entropyBits !== undefined && c.r.entropyBitsRandom !== undefined);
    if (ent.length) line += `; path entropy trained − random ${agg(ent.map((c) => c.r.entropyBits! - c.r.entropyBitsRandom!), f1)} bits (${ent.length} of ${cs.length} seeds stored it)`;
    const pl = cs.filter((c) => c.r.powerLaw !== undefined && c.r.powerLawRandom !== undefined);
    if (pl.length) line += `; power-law exponent trained − random ${agg(pl.map((c) => c.r.powerLaw! - c.r.powerLawRandom!), f2)}`;
    out.push(`${line}.`);
  }
  return out;
}
