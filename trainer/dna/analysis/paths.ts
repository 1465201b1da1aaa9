/**
 * Path statistics of one `dna` layer (issue 8, protocol/dna.ts `DnaPathStats`) from the routing
 * decisions of N tokens, on the host. How the decisions are collected from the model is not here:
 * the caller runs the layer and fills `RoutedTokens`; this file only counts.
 *
 * FLOPs per token = Σ_hops (Σ processed modules' flopsPerToken + routerFlopsPerHop): a module dropped
 * by capacity costs nothing, the router runs on every token at every hop.
 */
import type { DnaModuleInfo, DnaPathCount, DnaPathStats } from '../../../protocol/dna';
import { pathAssociation, type Labelling } from './associations';
import { entropyBits, log2Binomial } from './information';
import { decodePath, indexPaths, TopPaths } from './path-index';
import { descending, fitPowerLaw, rankFrequency } from './rank-frequency';

export type { Labelling } from './associations';

export interface RoutedTokens {
  hops: number;
  /** Modules per token (1 or 2). */
  k: number;
  /** The pool; `modules[i].index === i`, `flopsPerToken` prices the FLOPs. */
  modules: DnaModuleInfo[];
  /** N. */
  tokens: number;
  /**
   * [N · hops · k] module index processing the token at that hop (token-major, then hop, then slot);
   * −1 for a slot not processed (dropped by capacity). Order within a hop does not matter.
   */
  choices: Int16Array;
  /** [N · hops · k] 1 where the top-k choice was dropped by capacity (same layout); gives `dropped`. */
  droppedChoices: Uint8Array;
  /** Router FLOPs per token per hop (2·D·M), added to every token's FLOPs at every hop. */
  routerFlopsPerHop: number;
  /** Token labellings for `associations` (class, position, char, …). */
  labellings: Labelling[];
}

/** Most frequent paths reported. */
export const TOP_PATHS = 20;

export function pathStats(t: RoutedTokens): DnaPathStats {
  const { hops, k, modules, tokens: n } = t;
  const m = modules.length;
  check(t);
  const index = indexPaths(t.choices, n, hops, k, m);

  // Usage, dropped choices and FLOPs, token by token.
  const usage = Array.from({ length: hops }, () => new Float64Array(m));
  const dropped = new Float64Array(hops);
  const tokenFlops = new Float64Array(n);
  const moduleFlops = modules.map((x) => x.flopsPerToken);
  let flopsSum = 0;
  for (let tok = 0; tok < n; tok++) {
    let f = hops * t.routerFlopsPerHop;
    for (let h = 0; h < hops; h++) {
      const base = (tok * hops + h) * k;
      for (let s = 0; s < k; s++) {
        dropped[h] += t.droppedChoices[base + s];
        const c = t.choices[base + s];
        if (c < 0 || repeats(t.choices, base, s)) continue;
        usage[h][c]++;
        f += moduleFlops[c];
      }
    }
    tokenFlops[tok] = f;
    flopsSum += f;
  }

  const counts = new Float64Array(index.size);
  for (let tok = 0; tok < n; tok++) counts[index.tokenPath[tok]]++;
  const top = new TopPaths(index, TOP_PATHS);
  for (let p = 0; p < index.size; p++) top.offer(p, counts[p]);
  const topPaths: DnaPathCount[] = top.result().map(({ id, count }) => ({ path: decodePath(index, id), count, share: count / n }));
  const desc = descending(counts);
  const perHop = log2Binomial(m, k);

  return {
    tokens: n,
    flopsPerToken: n > 0 ? flopsSum / n : 0,
    usage: usage.map((row) => Array.from(row, (u) => (n > 0 ? u / n : 0))),
    dropped: Array.from(dropped, (d) => (n > 0 ? d / (n * k) : 0)),
    distinctPaths: index.size,
    topPaths,
    rankFrequency: rankFrequency(desc),
    powerLaw: fitPowerLaw(desc),
    entropyBits: entropyBits(counts, n),
    maxEntropyBits: perHop > 0 ? hops * perHop : 0,
    associations: t.labellings.map((l) => pathAssociation(index, tokenFlops, l)),
  };
}

/** Whether the slot base+s repeats an earlier slot of its hop (not produced by top-k; counted once, as in the path). */
function repeats(choices: Int16Array, base: number, s: number): boolean {
  for (let r = 0; r < s; r++) if (choices[base + r] === choices[base + s]) return true;
  return false;
}

function check(t: RoutedTokens): void {
  const size = t.tokens * t.hops * t.k;
  const fail = (what: string) => { throw new Error(`dna path analysis: ${what}`); };
  if (!(t.k >= 1)) fail(`k = ${t.k}`);
  if (t.choices.length !== size) fail(`choices has ${t.choices.length} entries, expected tokens·hops·k = ${size}`);
  if (t.droppedChoices.length !== size) fail(`droppedChoices has ${t.droppedChoices.length} entries, expected ${size}`);
  t.modules.forEach((x, i) => { if (x.index !== i) fail(`module ${x.label} has index ${x.index} at position ${i}`); });
}
