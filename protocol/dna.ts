/**
 * Distributed neural architectures (seed 003, issue 8): the path statistics a run stores in
 * `reports/dna.json`, declared once (its report name, `DNA_REPORT`, is in protocol/reports.ts with the
 * others). The trainer writes it (trainer/dna/report.ts), the CLI prints a summary of it
 * (`dynaxx paths <run>`), `dna/report` and `run/dashboard` return it, and the dashboard's "Routing paths"
 * view draws it.
 *
 * A token's *path* through a `dna` layer is, per hop, the sorted list of pool modules that processed
 * it (top-k after capacity: a choice dropped by capacity is not part of the path; an empty list means
 * the token skipped the hop entirely). Module indices refer to `DnaLayerReport.modules`.
 */

export type DnaModuleKind = 'attention' | 'mlp' | 'identity';

export interface DnaModuleInfo {
  /** Index in the pool (what paths refer to). */
  index: number;
  kind: DnaModuleKind;
  /** Short label used in paths: `attn0`, `mlp1`, `skip`. */
  label: string;
  /** FLOPs spent on one token this module processes (identity 0). */
  flopsPerToken: number;
  params: number;
}

/** One path and how often it occurs. */
export interface DnaPathCount {
  /** Per hop: the modules (indices into `modules`) that processed the token, sorted. */
  path: number[][];
  count: number;
  /** count / tokens. */
  share: number;
}

/** Path frequency against rank: frequency(rank) ≈ C · rank^(−exponent). */
export interface PowerLawFit {
  exponent: number;
  /** log C. */
  intercept: number;
  /** Coefficient of determination of the log-log least-squares fit. */
  r2: number;
  /** Ranks used by the fit (paths seen at least twice, at most 1000). */
  ranks: number;
}

/** How paths relate to a token labelling (the sample's class, or the token's type). */
export interface PathAssociation {
  /** What the labelling is: `class`, `position` (image patches), `char` (character categories). */
  by: string;
  /** Normalised mutual information between the path and the label, in [0, 1] (arithmetic mean normalisation). */
  nmi: number;
  /**
   * NMI of the same paths against the same labels shuffled across tokens (mean of 3 shuffles): what the NMI is by
   * chance with this many distinct paths. With nearly one path per token (random routers) NMI is high by chance alone.
   */
  nmiChance: number;
  /** (nmi − nmiChance) / (1 − nmiChance), 0 at or below chance, 1 when the path determines the label: compare this across models. */
  nmiAdjusted: number;
  /** The same with the path reduced to its first hop: a baseline that shows how much the later hops add. */
  nmiFirstHop: number;
  groups: Array<{
    label: string;
    tokens: number;
    /** Average FLOPs per token of this group's tokens. */
    flopsPerToken: number;
    /** The group's most frequent paths (at most 3), shares within the group. */
    topPaths: Array<{ path: number[][]; share: number }>;
  }>;
}

/** The statistics of one `dna` layer on one set of tokens, for one set of weights. */
export interface DnaPathStats {
  tokens: number;
  /** Average FLOPs per token spent by the pool modules (routers included). */
  flopsPerToken: number;
  /** Per hop, per module: share of tokens the module processed (0..1; rows sum to ≤ k). */
  usage: number[][];
  /** Per hop: share of token choices dropped by capacity. */
  dropped: number[];
  distinctPaths: number;
  /** The most frequent paths (at most 20), most frequent first. */
  topPaths: DnaPathCount[];
  /** Rank → count, log-spaced ranks (for the log-log plot). */
  rankFrequency: Array<[number, number]>;
  powerLaw: PowerLawFit | null;
  /** Entropy of the path distribution in bits, and the same for a uniform choice per hop (the maximum). */
  entropyBits: number;
  maxEntropyBits: number;
  associations: PathAssociation[];
}

export interface DnaLayerReport {
  layerId: string;
  hops: number;
  k: number;
  modules: DnaModuleInfo[];
  /** FLOPs per token if every hop ran its most expensive module on every token k times (the static bound). */
  boundFlopsPerToken: number;
  trained: DnaPathStats;
  /** The same statistics for the model as initialised (same seed, before any step): do random weights cluster too? */
  random: DnaPathStats;
}

export interface DnaReport {
  version: 1;
  /** Step of the weights analysed. */
  step: number;
  /** Split the tokens came from (`test` when the data has one). */
  split: string;
  /** Samples analysed (bounded). */
  samples: number;
  /** Tokens per sample (sequence length or patches). */
  tokensPerSample: number;
  /** Average FLOPs per sample of the whole model with the routed layers at their measured cost. */
  flopsPerSample: number;
  /** The model's FLOPs per sample with every routed layer at its static bound. */
  boundFlopsPerSample: number;
  layers: DnaLayerReport[];
}

/** `attn0 → mlp1+skip → …` for a path (module labels from the layer's pool; `·` for a hop skipped entirely). */
export function formatPath(path: number[][], modules: DnaModuleInfo[]): string {
  return path.map((hop) => (hop.length === 0 ? '·' : hop.map((m) => modules[m]?.label ?? `m${m}`).join('+'))).join(' → ');
}
