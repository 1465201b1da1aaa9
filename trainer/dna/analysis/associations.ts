/**
 * How paths relate to a token labelling (issue 8: classes for images, character categories or
 * positions for text): NMI between path and label, the same with the path cut to its first hop, and
 * per label the tokens, their mean FLOPs and their most frequent paths.
 */
import type { PathAssociation } from '../../../protocol/dna';
import { decodePath, Interner, PathIndex, TopPaths } from './path-index';
import { entropyBits, normalisedMutualInformation } from './information';

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
  return { by: labelling.by, nmi, nmiFirstHop, groups };
}
