/**
 * How paths relate to a token labelling (issue 8: classes for images, character categories or
 * positions for text): NMI between path and label, the same with the path cut to its first hop, and
 * per label the tokens, their mean FLOPs and their most frequent paths.
 */
import type { PathAssociation } from '../../../protocol/dna';
import { decodePath, Interner, PathIndex, TopPaths } from './path-index';
import { entropyBits, normalisedMutualInformation } from './information';
import { Rng } from '../../data/rng';

/** Shuffles whose chance NMI is averaged. */
export const CHANCE_SHUFFLES = 3;

/** NMI between paths and labels over the tokens listed in `tokens` (label `ids[i]` for token `tokens[i]`). */
function pathLabelNmi(tokenPath: ArrayLike<number>, pathSize: number, tokens: Int32Array, ids: Int32Array, labels: number): number {
  const n = tokens.length;
  const labelCounts = new Float64Array(labels);
  const pathCounts = new Float64Array(pathSize);
  const pairs = new Interner(n);
  const pairCounts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = tokenPath[tokens[i]!]!;
    labelCounts[ids[i]!]++;
    pathCounts[p]++;
    pairCounts[pairs.intern(p * labels + ids[i]!)]++;
  }
  return normalisedMutualInformation(entropyBits(pathCounts, n), entropyBits(labelCounts, n), entropyBits(pairCounts, n));
}

/** The mean NMI with the labels shuffled across the labelled tokens (seeded: the same report twice). */
function chanceNmi(tokenPath: ArrayLike<number>, pathSize: number, labelling: Labelling, labels: number): number {
  const tokens: number[] = [];
  for (let t = 0; t < labelling.ids.length; t++) {
    const y = labelling.ids[t]!;
    if (y >= 0 && y < labels) tokens.push(t);
  }
  if (tokens.length === 0) return 0;
  const kept = Int32Array.from(tokens);
  const ids = Int32Array.from(tokens, (t) => labelling.ids[t]!);
  const rng = new Rng(7919);
  let sum = 0;
  for (let s = 0; s < CHANCE_SHUFFLES; s++) {
    for (let i = ids.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const tmp = ids[i]!;
      ids[i] = ids[j]!;
      ids[j] = tmp;
    }
    sum += pathLabelNmi(tokenPath, pathSize, kept, ids, labels);
  }
  return sum / CHANCE_SHUFFLES;
}

export interface Labelling {
  /** What the labels are: `class`, `position`, `char`. */
  by: string;
  /** [N] label of each token; a value outside 0..names.length−1 (e.g. −1 for padding) leaves the token out. */
  ids: Int32Array;
  names: string[];
}

export interface AssociationOptions {
  /** Groups reported at most (the largest labels; 64). */
  groups?: number;
  /** Paths per group (3). */
  topPaths?: number;
}

export function pathAssociation(index: PathIndex, tokenFlops: Float64Array, labelling: Labelling, options: AssociationOptions = {}): PathAssociation {
  const maxGroups = options.groups ?? 64;
  const perGroup = options.topPaths ?? 3;
  const { tokenPath, tokenFirstHop } = index;
  const labels = labelling.names.length;
  const n = tokenPath.length;
  if (labelling.ids.length !== n) throw new Error(`dna path analysis: labelling '${labelling.by}' has ${labelling.ids.length} ids for ${n} tokens`);

  const labelTokens = new Float64Array(labels);
  const labelFlops = new Float64Array(labels);
  const pathCounts = new Float64Array(index.size);
  const firstCounts = new Float64Array(index.firstHopSize);
  // (path, label) pairs: dense pair ids, their path and count; the same for (first hop, label).
  const pairs = new Interner(n);
  const pairPath = new Int32Array(n);
  const pairLabel = new Int32Array(n);
  const pairCounts = new Float64Array(n);
  const firstPairs = new Interner(n);
  const firstPairCounts = new Float64Array(n);
  let total = 0;
  for (let t = 0; t < n; t++) {
    const y = labelling.ids[t];
    if (!(y >= 0 && y < labels)) continue;
    total++;
    labelTokens[y]++;
    labelFlops[y] += tokenFlops[t];
    const p = tokenPath[t], f = tokenFirstHop[t];
    pathCounts[p]++;
    firstCounts[f]++;
    const pair = pairs.intern(p * labels + y);
    pairPath[pair] = p;
    pairLabel[pair] = y;
    pairCounts[pair]++;
    firstPairCounts[firstPairs.intern(f * labels + y)]++;
  }

  const hy = entropyBits(labelTokens, total);
  const nmi = normalisedMutualInformation(entropyBits(pathCounts, total), hy, entropyBits(pairCounts, total));
  const nmiFirstHop = normalisedMutualInformation(entropyBits(firstCounts, total), hy, entropyBits(firstPairCounts, total));
  const nmiChance = chanceNmi(tokenPath, index.size, labelling, labels);
  const nmiAdjusted = nmiChance < 1 ? Math.max(0, (nmi - nmiChance) / (1 - nmiChance)) : 0;

  // The largest non-empty labels (ties by label order), reported in label order.
  const kept = [...labelTokens.keys()].filter((y) => labelTokens[y] > 0)
    .sort((a, b) => labelTokens[b] - labelTokens[a] || a - b)
    .slice(0, maxGroups)
    .sort((a, b) => a - b);
  const tops = new Map<number, TopPaths>(kept.map((y) => [y, new TopPaths(index, perGroup)]));
  for (let pair = 0; pair < pairs.size; pair++) {
    tops.get(pairLabel[pair])?.offer(pairPath[pair], pairCounts[pair]);
  }
  const groups = kept.map((y) => ({
    label: labelling.names[y],
    tokens: labelTokens[y],
    flopsPerToken: labelFlops[y] / labelTokens[y],
    topPaths: tops.get(y)!.result().map(({ id, count }) => ({ path: decodePath(index, id), share: count / labelTokens[y] })),
  }));
  return { by: labelling.by, nmi, nmiChance, nmiAdjusted, nmiFirstHop, groups };
}
