/**
 * The Pareto sweep (seed 002): for every criterion and FLOP-reduction target, prune a trained model, fine-tune it
 * with the same budget, and measure (FLOPs, parameters, CPU latency, accuracy). Per seed:
 *
 * 1. Scoring steps (`scoreSteps`) of the dense model, shared by every criterion; the AGF tracker accumulates its
 *    utility along them. Calibration statistics (input norms, Taylor, Fisher) on `calibration` training samples.
 * 2. For each criterion: scores (once, on the dense model) → for each target: a plan meeting the FLOP target
 *    (schedule.ts) → physical removal (apply.ts) → `finetuneSteps` steps of fine-tuning → accuracy on the report
 *    split and on the selection split (trainer/data/eval-split.ts `cleanSplits`: test and validation when the data
 *    has both) and latency beside the dense model. Iterative schedules (`linear`, `cubic`) prune in `iterations`
 *    nested steps, each fine-tuned model pruned further, the fine-tuning budget split between them.
 *
 * The sweep chooses nothing: every point is reported. Whoever chooses among points (the routed expert, the best
 * criterion per target) reads `selection`, the selection split's accuracy, and reports `accuracy`. Scoring and
 * fine-tuning never read the test split (their loops get the data without it).
 *
 * Selection stability across seeds: the Jaccard index of the channels each criterion keeps at each target.
 * No file I/O here: `onPoint`/`onLog` report progress; the caller stores the result.
 */
import type { ParetoPoint, SplitAccuracy, SweepResult } from '../../protocol/reports';
import { UserError } from '../errors';
import type { ModelFile, PruneSpec } from '../../spec/types';
import { cleanSplits, type CleanSplits } from '../data/eval-split';
import { requireOnePositionPerTask } from '../data/positions';
import type { Dataset } from '../data/types';
import { evaluateMasked } from '../modularity/analysis/masked-eval';
import type { ForwardNet } from '../modularity/analysis/types';
import { subsampleSplit } from '../modularity/analysis/subsample';
import type { NamedArray } from '../store/checkpoint';
import { applyPlan, type PruneResult } from './apply';
import { AGF_PLUGIN_ID, agfTracker, type AgfTracker } from './criteria/agf-tracker';
import { getCriterion } from './criteria/registry';
import { netWith, trainSteps, weightsOf } from './finetune';
import { sizeCounter } from './flops';
import { compareLatency } from './latency';
import { planForTarget, planJaccard, scheduleTargets } from './schedule';
import { collectStats } from './stats';
import { prunableGroups } from './structure';
import type { CriterionInput, PruningPlan } from './types';
import * as tf from '@tensorflow/tfjs-core';

/** A point of the sweep and the sweep (`reports/pareto.json`): declared in protocol/reports.ts. */
export type { ParetoPoint, SweepResult } from '../../protocol/reports';

export interface SweepBase {
  model: ModelFile;
  sourceText: string;
  weights: NamedArray[];
  dataset: Dataset;
  /** The report and selection splits (default: `cleanSplits(dataset, model.train.seed)`). */
  splits?: CleanSplits;
}

export interface SweepOptions {
  signal?: AbortSignal;
  onLog?(line: string): void;
  onPoint?(p: ParetoPoint, done: number, total: number): void;
  /** Called with each fine-tuned pruned model (export on demand). */
  onPruned?(p: ParetoPoint, pruned: PruneResult, weights: NamedArray[]): void | Promise<void>;
  /** Called with the dense reference of the first seed: the dense model trained for the same scoring + fine-tuning steps. */
  onDense?(weights: NamedArray[]): void | Promise<void>;
}

export async function pruneSweep(base: SweepBase, spec: PruneSpec, o: SweepOptions = {}): Promise<SweepResult> {
  const { model, sourceText, dataset } = base;
  requireOnePositionPerTask(dataset, 'the pruning sweep');
  const groups = prunableGroups(model);
  if (groups.length === 0) {
    throw new UserError(`${model.name}: no layer can lose channels (the 'not prunable' lines say why for each layer): pruning removes channels of dense and conv2d layers and attention heads whose consumer can shrink; the modules of dna and moe layers are not pruned`);
  }
  const lr = spec.lr ?? model.train.optimizer.lr * 0.1;
  const criteria = spec.criteria.map((id) => getCriterion(id));
  const size = sizeCounter(model, sourceText);
  const splits = base.splits ?? cleanSplits(dataset, model.train.seed);
  const { split, name: splitName } = splits.report;
  // scoring and fine-tuning train on the training split; their loops' end-of-run evaluation does not need test
  const trainData: Dataset = { ...dataset, test: undefined };
  const measure = async (net: ForwardNet): Promise<{ report: SplitAccuracy; selection: SplitAccuracy }> => {
    const r = await evaluateMasked(net, split, dataset.tasks, dataset.sampleShape);
    const s = await evaluateMasked(net, splits.select.split, dataset.tasks, dataset.sampleShape);
    return { report: { accuracy: r.accuracy, accuracyMean: mean(r.accuracy) }, selection: { accuracy: s.accuracy, accuracyMean: mean(s.accuracy) } };
  };
  const sampleSize = dataset.sampleShape.reduce((a, b) => a * b, 1);
  const latencyOpts = { batchSize: spec.latencyBatch, warmup: 3, iterations: 10 };
  const points: ParetoPoint[] = [];
  const plansBySeed: Array<Map<string, PruningPlan>> = [];
  const total = spec.seeds * criteria.length * spec.targets.length;
  let dense: SweepResult['dense'] | undefined;
  const log = (s: string) => o.onLog?.(s);

  for (let seed = 0; seed < spec.seeds; seed++) {
    const seedOf = model.train.seed + seed;
    // 1. scoring steps shared by every criterion, with the AGF tracker along them
    const agfOpts = { window: spec.agfWindow, alternate: spec.agfAlternate, phase: spec.agfPhase };
    log(`seed ${seedOf}: ${spec.scoreSteps} scoring steps of the dense model (lr ${lr})`);
    const scored = await trainSteps({ ...model, train: { ...model.train, seed: seedOf } }, trainData, base.weights, spec.scoreSteps, lr, {
      plugins: criteria.some((c) => c.id === 'agf') ? [agfTracker(groups, agfOpts)] : [], signal: o.signal,
    });
    const tracker = scored.loop.plugins.find((p) => p.id === AGF_PLUGIN_ID) as AgfTracker | undefined;
    const trajectory = tracker && tracker.steps > 0 ? await tracker.trajectory() : undefined;
    const weights = await weightsOf(scored.loop);
    scored.loop.dispose();
    const denseNet = netWith(model, weights);
    try {
      const needs = [...new Set(criteria.flatMap((c) => c.needs))].filter((n) => n !== 'trajectory');
      const calibration = subsampleSplit(dataset.train, sampleSize, dataset.tasks.length, spec.calibration, seedOf);
      const stats = needs.length > 0
        ? await collectStats(denseNet, groups, calibration, dataset.tasks, dataset.sampleShape, needs, { batches: Math.max(1, Math.ceil(calibration.n / 128)), batchSize: 128, seed: seedOf })
        : {};
      if (!dense) {
        // the fair reference: the dense model trained for the same budget as every pruned model
        const ref = await trainSteps({ ...model, train: { ...model.train, seed: seedOf } }, trainData, weights, spec.finetuneSteps, lr, { signal: o.signal });
        const refWeights = await weightsOf(ref.loop);
        ref.loop.dispose();
        const refNet = netWith(model, refWeights);
        let ev;
        try {
          ev = await measure(refNet);
        } finally {
          refNet.dispose();
        }
        await o.onDense?.(refWeights);
        dense = { flops: model.flops, params: model.params, ...ev.report, latencyMs: 0, selection: ev.selection };
        log(`dense reference (${spec.scoreSteps} + ${spec.finetuneSteps} steps): ${model.flops} FLOPs, ${model.params} parameters, accuracy ${pct(dense.accuracyMean)} on ${splitName} (${pct(ev.selection.accuracyMean)} on ${splits.select.name})`);
        if (splits.note) log(`splits: ${splits.note}`);
      }
      const byName = new Map(weights.map((w) => [w.name, w]));
      const input: CriterionInput = { groups, weights: byName, ...stats, ...(trajectory ? { trajectory } : {}), seed: seedOf };
      const plans = new Map<string, PruningPlan>();
      plansBySeed.push(plans);
      for (const criterion of criteria) {
        const scores = criterion.score(input);
        for (const target of spec.targets) {
          if (o.signal?.aborted) throw new Error('cancelled');
          const steps = scheduleTargets(spec.schedule, target / 100, spec.iterations);
          // the plans of the steps are nested (fixed scores, lowest removed first): each step prunes the previous
          // step's fine-tuned model further, with indices relative to what that model kept
          const chain = steps.map((t) => planForTarget(groups, scores, t, model.flops, (c) => size(c).flops, spec.scope));
          const plan = chain[chain.length - 1]!;
          let currentModel = model;
          let currentText = sourceText;
          let currentWeights = weights;
          let kept: PruningPlan = new Map(groups.map((g) => [g.id, Array.from({ length: g.channels }, (_, c) => c)]));
          let pruned: PruneResult | undefined;
          const per = Math.floor(spec.finetuneSteps / chain.length);
          for (let i = 0; i < chain.length; i++) {
            pruned = applyPlan(currentModel, currentText, currentWeights, relativeTo(chain[i]!, kept, pruned?.renamed));
            const stepsHere = i === chain.length - 1 ? spec.finetuneSteps - per * (chain.length - 1) : per;
            const ft = await trainSteps({ ...pruned.model, train: { ...pruned.model.train, seed: seedOf } }, trainData, pruned.weights, stepsHere, lr, { signal: o.signal });
            currentWeights = await weightsOf(ft.loop);
            ft.loop.dispose();
            currentModel = pruned.model;
            currentText = pruned.yaml;
            kept = chain[i]!;
          }
          const current = currentWeights;
          plans.set(`${criterion.id}@${target}`, plan);
          const prunedNet = netWith(pruned!.model, current);
          let latency;
          let ev;
          try {
            latency = await compareLatency({ dense: denseNet, pruned: prunedNet }, dataset.sampleShape, latencyOpts);
            ev = await measure(prunedNet);
          } finally {
            prunedNet.dispose();
          }
          const p: ParetoPoint = {
            criterion: criterion.id, target, seed: seedOf, flops: pruned!.flops, params: pruned!.params,
            flopReduction: 1 - pruned!.flops / model.flops, ...ev.report, selection: ev.selection,
            latencyMs: latency.pruned.msPerBatch, denseLatencyMs: latency.dense.msPerBatch, speedup: latency.dense.msPerBatch / latency.pruned.msPerBatch,
            kept: Object.fromEntries(plan),
          };
          points.push(p);
          await o.onPruned?.(p, pruned!, current);
          o.onPoint?.(p, points.length, total);
        }
      }
    } finally {
      denseNet.dispose();
    }
  }
  const stability: SweepResult['stability'] = {};
  if (plansBySeed.length >= 2) {
    for (const c of spec.criteria) {
      stability[c] = {};
      for (const t of spec.targets) {
        const js: number[] = [];
        for (let a = 0; a < plansBySeed.length; a++) for (let b = a + 1; b < plansBySeed.length; b++) js.push(planJaccard(plansBySeed[a]!.get(`${c}@${t}`)!, plansBySeed[b]!.get(`${c}@${t}`)!));
        stability[c]![String(t)] = mean(js);
      }
    }
  }
  const denseLatency = mean(points.map((p) => p.denseLatencyMs));
  return {
    version: 1, model: model.name, split: splitName, selectionSplit: splits.select.name, ...(splits.note ? { splitNote: splits.note } : {}),
    tasks: dataset.tasks.map((t) => t.name), settings: spec, criterionLabels: Object.fromEntries(criteria.map((c) => [c.id, c.label ?? c.id])), lr, backend: tf.getBackend(),
    dense: { ...dense!, latencyMs: denseLatency }, groups: groups.map((g) => ({ id: g.id, channels: g.channels })), points, stability,
  };
}

/**
 * `plan` (original channel indices) expressed in the indices of a model that kept `kept` (original indices, sorted)
 * of every group; group ids follow `renamed` when an earlier removal renamed layers.
 */
export function relativeTo(plan: PruningPlan, kept: PruningPlan, renamed?: Record<string, string>): PruningPlan {
  const out: PruningPlan = new Map();
  for (const [id, keep] of plan) {
    const before = kept.get(id)!;
    const pos = new Map(before.map((c, i) => [c, i]));
    const rel = keep.map((c) => {
      const i = pos.get(c);
      if (i === undefined) throw new Error(`pruning schedule: channel ${c} of '${id}' was removed by an earlier step (plans must be nested)`);
      return i;
    });
    out.set(renamed?.[id] ?? id, rel);
  }
  return out;
}


function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
