/**
 * From scores to a plan that meets a FLOP target, and the schedules that get there (seed 002):
 * - `layer` scope: every group loses the same share of its channels, its lowest-scored ones; the share is found
 *   by bisection on the model's real FLOP count (the pruned model file re-parsed), so the target is met exactly
 *   as far as whole channels allow.
 * - `global` scope: channels compete across groups by score per FLOP saved, scores normalised by their group's
 *   mean (criteria are not comparable across layers otherwise); the number removed is found the same way.
 * - schedules: `one-shot` prunes to the target at once; `linear` and `cubic` reach it in `iterations` steps
 *   (cubic: t_i = T·(1 − (1 − i/n)³), most of the pruning early, as in Zhu & Gupta 2017).
 * Every group keeps at least one channel.
 */
import type { PruningPlan, Scores, ChannelGroup } from './types';

/** FLOPs of the model when each group keeps the given number of channels (the caller's exact counter). */
export type FlopCounter = (keepCounts: Map<string, number>) => number;

/** Targets (fractions of the dense FLOPs removed) of each step of a schedule. */
export function scheduleTargets(schedule: 'one-shot' | 'linear' | 'cubic', target: number, iterations: number): number[] {
  if (schedule === 'one-shot' || iterations <= 1) return [target];
  const out: number[] = [];
  for (let i = 1; i <= iterations; i++) {
    const p = i / iterations;
    out.push(schedule === 'linear' ? target * p : target * (1 - Math.pow(1 - p, 3)));
  }
  return out;
}

/** Channels of a group ordered from least to most important (ties: lower index first, so plans are deterministic). */
export function ascending(scores: Float32Array): number[] {
  return Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]! || a - b);
}

/**
 * The plan that removes (at least) `reduction` of `denseFlops` with the fewest channels removed under the scope.
 * `flops` counts the pruned model exactly; `groups` are the current model's groups.
 */
export function planForTarget(groups: ChannelGroup[], scores: Scores, reduction: number, denseFlops: number, flops: FlopCounter, scope: 'layer' | 'global'): PruningPlan {
  const goal = denseFlops * (1 - reduction);
  const order = new Map(groups.map((g) => [g.id, ascending(scoresOf(scores, g))]));
  const keepFor = (removedOf: (g: ChannelGroup) => number): PruningPlan => {
    const plan: PruningPlan = new Map();
    for (const g of groups) {
      const removed = Math.min(g.channels - 1, Math.max(0, removedOf(g)));
      const drop = new Set(order.get(g.id)!.slice(0, removed));
      plan.set(g.id, Array.from({ length: g.channels }, (_, c) => c).filter((c) => !drop.has(c)));
    }
    return plan;
  };
  const countsOf = (plan: PruningPlan) => new Map([...plan].map(([id, keep]) => [id, keep.length]));
  if (scope === 'layer') {
    // bisection on the share removed from every group
    let lo = 0;
    let hi = 1;
    for (let it = 0; it < 30; it++) {
      const mid = (lo + hi) / 2;
      const f = flops(countsOf(keepFor((g) => Math.round(mid * g.channels))));
      if (f > goal) lo = mid;
      else hi = mid;
    }
    return keepFor((g) => Math.round(hi * g.channels));
  }
  // global: one ranking of every channel by normalised score per FLOP saved
  const ranked: Array<{ group: string; channel: number; key: number }> = [];
  for (const g of groups) {
    const s = scoresOf(scores, g);
    const mean = s.reduce((a, b) => a + Math.abs(b), 0) / Math.max(1, s.length) || 1;
    s.forEach((v, c) => ranked.push({ group: g.id, channel: c, key: v / mean / Math.max(1e-12, g.flopsPerChannel) }));
  }
  ranked.sort((a, b) => a.key - b.key || a.group.localeCompare(b.group) || a.channel - b.channel);
  const planOf = (n: number): PruningPlan => {
    const drop = new Map<string, Set<number>>(groups.map((g) => [g.id, new Set()]));
    for (const r of ranked.slice(0, n)) {
      const set = drop.get(r.group)!;
      const g = groups.find((x) => x.id === r.group)!;
      if (set.size < g.channels - 1) set.add(r.channel);
    }
    return new Map(groups.map((g) => [g.id, Array.from({ length: g.channels }, (_, c) => c).filter((c) => !drop.get(g.id)!.has(c))]));
  };
  let lo = 0;
  let hi = ranked.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (flops(countsOf(planOf(mid))) > goal) lo = mid + 1;
    else hi = mid;
  }
  return planOf(lo);
}

function scoresOf(scores: Scores, g: ChannelGroup): Float32Array {
  const s = scores.get(g.id);
  if (!s || s.length !== g.channels) throw new Error(`pruning: no scores (or the wrong number) for group '${g.id}' (${g.channels} channels)`);
  return s;
}

/** Jaccard index of two kept-channel sets over all groups (channels named `<group>:<index>`). */
export function planJaccard(a: PruningPlan, b: PruningPlan): number {
  const names = (p: PruningPlan) => new Set([...p].flatMap(([id, keep]) => keep.map((c) => `${id}:${c}`)));
  const x = names(a);
  const y = names(b);
  let inter = 0;
  for (const n of x) if (y.has(n)) inter++;
  const union = x.size + y.size - inter;
  return union === 0 ? 1 : inter / union;
}
