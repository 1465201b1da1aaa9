/**
 * The markdown tables of the DNA benchmark (scripts/bench-dna.mjs writes bench/dna/results*.json and prints them;
 * bench/tables regenerates BENCHMARKS.md's copies from the same files).
 */

/** One trained model of bench/dna/results*.json (`results[]`). */
export interface DnaResult {
  label: string;
  run: string;
  params: number;
  testAccuracy: number;
  testLoss: number;
  tokens: number;
  flopsPerSample: number;
  flopsPerToken: number;
  staticFlopsPerSample: number;
  minutes: number;
  /** Routed models only: mean share of tokens per hop sent to the identity (skip) module. */
  skip?: number;
  dropped?: number;
  powerLaw?: number;
  powerLawRandom?: number;
  /** Distinct paths of the trained routers and of the same model at its random initialisation. */
  distinct?: number;
  distinctRandom?: number;
  nmiClass?: number;
  nmiClassRandom?: number;
  /** Written since 2026-12-04 (bench/dna/seeds.ts reads them; older files lack them): the run's train.seed, backend,
   * median training samples/s of its logged steps, and path entropy in bits, trained / random init / uniform. */
  seed?: number;
  backend?: string;
  samplesPerSec?: number;
  entropyBits?: number;
  entropyBitsRandom?: number;
  maxEntropyBits?: number;
}

export interface DnaResultsFile {
  machine: { cpu?: string; cores: number; node: string };
  options: Record<string, string | undefined>;
  results: DnaResult[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const kf = (x: number) => `${(x / 1e3).toFixed(1)} k`;
const opt = (x: number | undefined, f: (x: number) => string) => (x === undefined ? '—' : f(x));

/** The Fashion-MNIST models (labels not starting with "char:"), the first one the dense reference. */
export function fashionResults(results: DnaResult[]): DnaResult[] {
  return results.filter((r) => !r.label.startsWith('char:'));
}

export function textResults(results: DnaResult[]): DnaResult[] {
  return results.filter((r) => r.label.startsWith('char:'));
}

/** Accuracy, FLOPs per patch against the dense model (the first row), routing statistics and minutes. */
export function fashionTable(results: DnaResult[]): string {
  const dense = results[0]!;
  const lines = [
    '| model | params | test accuracy | Δ vs dense | FLOPs per patch | of dense | skip share | dropped | paths (random init) | power-law exponent (random) | adjusted NMI(path, class) (random) | minutes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const routed = r.distinct !== undefined;
    lines.push(`| ${r.label} | ${r.params} | ${pct(r.testAccuracy)} | ${r === dense ? '—' : `${(100 * (r.testAccuracy - dense.testAccuracy)).toFixed(1)} pt`} | ${kf(r.flopsPerToken)} | ${pct(r.flopsPerToken / dense.flopsPerToken)} | ` +
      `${opt(r.skip, pct)} | ${opt(r.dropped, pct)} | ${routed ? `${r.distinct} (${r.distinctRandom})` : '—'} | ` +
      `${routed && r.powerLaw !== undefined ? `${r.powerLaw.toFixed(2)} (${opt(r.powerLawRandom, (x) => x.toFixed(2))})` : '—'} | ${r.nmiClass !== undefined ? `${r.nmiClass.toFixed(2)} (${opt(r.nmiClassRandom, (x) => x.toFixed(2))})` : '—'} | ${r.minutes.toFixed(1)} |`);
  }
  return lines.join('\n');
}

/** Whether a DNA run is within 2 points of dense at ≤ 70% of its FLOPs per patch (the issue's target). */
export function targetLine(results: DnaResult[]): string {
  const dense = results[0]!;
  const ok = results.filter((r) => r.label.startsWith('DNA') && r.testAccuracy >= dense.testAccuracy - 0.02 && r.flopsPerToken <= 0.7 * dense.flopsPerToken);
  return ok.length ? `Target met (within 2 pt of dense at ≤ 70% of its FLOPs per patch): ${ok.map((r) => r.label).join(', ')}.`
    : 'Target not met: no DNA run is within 2 pt of dense at ≤ 70% of its FLOPs per patch (see the table for the best trade-off).';
}

/** The character-LM models, the first one the dense reference: test loss against FLOPs per character. */
export function textTable(results: DnaResult[]): string {
  const dense = results[0]!;
  const lines = [
    '| model | params | test loss (nats/char) | test accuracy | FLOPs per char | of dense | skip share | paths (random init) | minutes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    lines.push(`| ${r.label} | ${r.params} | ${r.testLoss.toFixed(3)} | ${pct(r.testAccuracy)} | ${kf(r.flopsPerToken)} | ${pct(r.flopsPerToken / dense.flopsPerToken)} | ${opt(r.skip, pct)} | ${r.distinct !== undefined ? `${r.distinct} (${r.distinctRandom})` : '—'} | ${r.minutes.toFixed(1)} |`);
  }
  return lines.join('\n');
}
