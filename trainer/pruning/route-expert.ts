/**
 * Confidence routing after a pruning sweep (seed 002, issue 16): which pruned expert to route from, and the
 * routing sweep between it and the dense model. Both choices read the selection split only
 * (trainer/data/eval-split.ts `cleanSplits`): the expert at `route.target` is `route.criterion` or the criterion
 * most accurate there on the selection split (`ParetoPoint.selection`), the threshold is chosen on the same split by
 * the routing sweep; the report holds their numbers on the report split, and the selection split's beside them.
 */
import type { ExpertChoice, ParetoPoint, RoutingReport } from '../../protocol/reports';
import type { ModelFile, RouteSpec } from '../../spec/types';
import { selecting, type CleanSplits } from '../data/eval-split';
import type { Dataset } from '../data/types';
import { UserError } from '../errors';
import { routingSweep } from '../routing/sweep';
import type { NamedArray } from '../store/checkpoint';
import { netWith } from './finetune';

/**
 * The point to route from: among the sweep's points at `route.target` of `seed` (the run's own seed), the one of
 * `route.criterion`, else the most accurate on the selection split (ties: the first). Reads `selection` only: a
 * point without it (a sweep stored before issue 16) cannot be chosen from.
 */
export function chooseExpert(points: readonly ParetoPoint[], route: RouteSpec, seed: number, targets: readonly number[], selectionSplit: string): { point: ParetoPoint; choice: ExpertChoice } {
  return selecting('the choice of the routed expert', () => {
    const candidates = points.filter((p) => p.target === route.target && p.seed === seed && (!route.criterion || p.criterion === route.criterion));
    if (candidates.length === 0) throw new UserError(`route.target ${route.target}% is not among the sweep's targets (${targets.join(', ')}); add it to prune.targets`);
    const score = (p: ParetoPoint): number => {
      if (!p.selection) throw new Error(`the sweep's point ${p.criterion} −${p.target}% has no accuracy on the selection split to choose by`);
      return p.selection.accuracyMean;
    };
    let point = candidates[0]!;
    for (const p of candidates.slice(1)) if (score(p) > score(point)) point = p;
    const choice: ExpertChoice = { by: route.criterion ? 'route.criterion' : 'accuracy', split: selectionSplit, accuracyMean: score(point), candidates: candidates.map((p) => p.criterion) };
    return { point, choice };
  });
}

/** A fine-tuned pruned model of the sweep: its model file and weights. */
export interface PrunedExpert { model: ModelFile; weights: NamedArray[] }

export interface RouteExpertInput {
  /** The dense model and the weights of the full expert (the dense reference of the sweep). */
  model: ModelFile;
  denseWeights: NamedArray[];
  dataset: Dataset;
  splits: CleanSplits;
  route: RouteSpec;
  /** The chosen point and how it was chosen (`chooseExpert`). */
  expert: { point: ParetoPoint; choice: ExpertChoice };
  pruned: PrunedExpert;
}

/** The routing sweep between the chosen pruned expert and the dense model (`reports/routing.json`). */
export async function routeExpert(i: RouteExpertInput): Promise<RoutingReport> {
  const prunedNet = netWith(i.pruned.model, i.pruned.weights);
  const fullNet = netWith(i.model, i.denseWeights);
  try {
    const r = await routingSweep({
      prunedNet, fullNet, select: i.splits.select, report: i.splits.report, tasks: i.dataset.tasks, sampleShape: i.dataset.sampleShape,
      prunedFlops: i.pruned.model.flops, fullFlops: i.model.flops, signal: i.route.signal, tolerance: i.route.tolerance / 100, points: i.route.thresholds - 1,
    });
    const { point, choice } = i.expert;
    return { ...r, criterion: point.criterion, target: point.target, expert: choice, ...(i.splits.note ? { splitNote: i.splits.note } : {}) };
  } finally {
    prunedNet.dispose();
    fullNet.dispose();
  }
}
