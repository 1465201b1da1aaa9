/**
 * The routing threshold sweep (seed 002): the cost-vs-accuracy curve of a confidence router in front of a pruned
 * and a full expert. Both experts are evaluated once per split (batched, on device, one host read each); the
 * thresholds are then swept on the host over the per-sample outcomes, so a sweep of any length costs two passes.
 *
 * Per threshold: the share of inputs sent to the full expert, the expected cost relative to the full expert (the
 * cascade c_p + shareFull, and the free-decision bound; see confidence.ts) and the routed system's accuracy, beside
 * both experts' own accuracies. The "no accuracy loss" operating point is the cheapest threshold whose accuracy is
 * at least the full expert's minus `tolerance` (default 0). With the default thresholds it always exists on the
 * split it is chosen on (routing everything reproduces the full expert) but may cost more than the full expert
 * alone: read `noLoss.expectedCost` against 1.
 *
 * Clean splits (issue 16): the thresholds (the signal's quantiles) and the operating point are chosen on the
 * selection split (validation) inside `selecting(...)`, where the report split cannot be read; only then are the
 * curve at those thresholds and the chosen point measured on the report split (test). The result's numbers are the
 * report split's; `selection` holds the same sweep on the selection split.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selecting, type NamedSplit } from '../data/eval-split';
import { requireOnePositionPerTask } from '../data/positions';
import type { Split } from '../data/types';
import type { TaskSlice } from '../engine/loss';
import type { ForwardContext } from '../engine/module';
import type { ConfidenceSignal, RoutingCurve, RoutingSweepResult } from '../../protocol/reports';
import { checkSignal, confidenceSignal, routedPoint, type ExpertOutcomes } from './confidence';

/** Anything with a forward pass (SequentialModel, a pruned copy of it, a test stub). */
export interface ForwardNet {
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
}

export interface RoutingSweepOptions {
  prunedNet: ForwardNet;
  fullNet: ForwardNet;
  /** Where the thresholds and the operating point are chosen (validation; trainer/data/eval-split.ts `cleanSplits`). */
  select: NamedSplit;
  /** Where the curve and the chosen point are reported (test); read only once the choice is made. */
  report: NamedSplit;
  tasks: TaskSlice[];
  sampleShape: number[];
  /** Forward FLOPs per sample of each expert (e.g. ModelFile.flops); only their ratio matters. */
  prunedFlops: number;
  fullFlops: number;
  /** Thresholds in the signal's units; default: the signal's quantiles on the selection split plus the two endpoints (none and all routed). */
  thresholds?: number[];
  signal: ConfidenceSignal;
  /** Accuracy the no-loss point may give up against the full expert (default 0). */
  tolerance?: number;
  /** Quantile levels of the default thresholds (default 20: shares of about 0, 5, …, 100 %). */
  points?: number;
  batchSize?: number;
  /** Forward context of both experts (default: evaluation, step 0). */
  ctx?: ForwardContext;
}

/** A point of the sweep and the sweep (in `reports/routing.json`): declared in protocol/reports.ts. */
export type { RoutingCurve, RoutingSweepPoint, RoutingSweepResult } from '../../protocol/reports';

/** One pass of both experts over one split. */
export type ExpertPass = Omit<RoutingSweepOptions, 'select' | 'report'> & { split: Split };

/** Tasks right per sample (0..tasks) as float [B]. Call inside tf.tidy. */
function correctPerSample(logits: tf.Tensor, ys: tf.Tensor, tasks: TaskSlice[]): tf.Tensor1D {
  let offset = 0;
  const per = tasks.map((t, i) => {
    const l = tasks.length === 1 ? logits : tf.slice(logits, [0, offset], [-1, t.classes]);
    offset += t.classes;
    const y = tf.reshape(tf.slice(ys, [0, i], [-1, 1]), [-1]);
    return tf.cast(tf.equal(tf.argMax(l, 1), y), 'float32');
  });
  return (per.length === 1 ? per[0]! : tf.addN(per)) as tf.Tensor1D;
}

/** Runs both experts over the split once: the pruned signal and both experts' per-sample correctness. */
export async function expertOutcomes(o: ExpertPass): Promise<ExpertOutcomes> {
  const { split, tasks, sampleShape } = o;
  if (split.n === 0) throw new Error('the routing sweep needs a non-empty split');
  if (tasks.length === 0) throw new Error('the routing sweep needs at least one task');
  requireOnePositionPerTask({ tasks }, 'the routing sweep');
  const size = sampleShape.reduce((a, b) => a * b, 1);
  if (split.x.length !== split.n * size) throw new Error(`split has ${split.x.length} input values, expected ${split.n} × ${size}`);
  const batchSize = Math.max(1, o.batchSize ?? 256);
  const ctx: ForwardContext = o.ctx ?? { training: false, step: 0 };
  const T = tasks.length;
  const prunedParts: tf.Tensor[] = [];
  const fullParts: tf.Tensor[] = [];
  try {
    for (let i = 0; i < split.n; i += batchSize) {
      const n = Math.min(batchSize, split.n - i);
      const [p, f] = tf.tidy(() => {
        const xs = tf.tensor(split.x.subarray(i * size, (i + n) * size), [n, ...sampleShape]);
        const ys = tf.tensor(split.y.subarray(i * T, (i + n) * T), [n, T], 'int32');
        const pl = o.prunedNet.forward(xs, ctx);
        const fl = o.fullNet.forward(xs, ctx);
        return [tf.stack([confidenceSignal(pl, o.signal, tasks), correctPerSample(pl, ys, tasks)], 1), correctPerSample(fl, ys, tasks)];
      });
      prunedParts.push(p);
      fullParts.push(f);
    }
    const pruned = tf.concat(prunedParts, 0);
    const full = tf.concat(fullParts, 0);
    try {
      const [pv, fv] = [await pruned.data(), await full.data()] as [Float32Array, Float32Array];
      const signal = new Float32Array(split.n);
      const prunedCorrect = new Float32Array(split.n);
      for (let k = 0; k < split.n; k++) {
        signal[k] = pv[2 * k]!;
        prunedCorrect[k] = pv[2 * k + 1]!;
      }
      return { signal, prunedCorrect, fullCorrect: Float32Array.from(fv), tasks: T };
    } finally {
      tf.dispose([pruned, full]);
    }
  } finally {
    tf.dispose([...prunedParts, ...fullParts]);
  }
}

/**
 * Default thresholds: the signal's values at `points` + 1 evenly spaced quantiles, plus one below the smallest and
 * one above the largest value, so both endpoints (nothing routed, everything routed) are on the curve for either
 * signal. Sorted, without duplicates.
 */
export function defaultThresholds(signal: Float32Array, points = 20): number[] {
  const v = Float64Array.from(signal).sort();
  const n = v.length;
  const out = new Set<number>([v[0]! - 1, v[n - 1]! + 1]);
  for (let q = 0; q <= points; q++) out.add(v[Math.min(n - 1, Math.floor((q / points) * n))]!);
  return [...out].sort((a, b) => a - b);
}

/** The routed system at each threshold, over outcomes already on the host (no choice). Thresholds sorted ascending. */
export function sweepCurve(o: ExpertOutcomes, thresholds: number[], signal: ConfidenceSignal, prunedFlops: number, fullFlops: number): RoutingCurve {
  const n = o.signal.length;
  const sum = (a: Float32Array) => a.reduce((s, x) => s + x, 0);
  const accuracyFull = sum(o.fullCorrect) / (n * o.tasks);
  const accuracyPruned = sum(o.prunedCorrect) / (n * o.tasks);
  const sorted = [...thresholds].sort((a, b) => a - b);
  if (sorted.length === 0) throw new Error('the routing sweep needs at least one threshold');
  for (const t of sorted) if (Number.isNaN(t)) throw new Error('a routing threshold is NaN');
  const points = sorted.map((t) => ({ ...routedPoint(o, t, signal, prunedFlops, fullFlops), accuracyFull, accuracyPruned }));
  return { samples: n, accuracyFull, accuracyPruned, points };
}

/**
 * Sweeps thresholds over outcomes already on the host and chooses the no-loss point among them: the pure part of
 * the selection (its thresholds default to the quantiles of these outcomes' signal).
 */
export function sweepOutcomes(
  o: ExpertOutcomes,
  opts: { signal: ConfidenceSignal; prunedFlops: number; fullFlops: number; thresholds?: number[]; tolerance?: number; points?: number },
): RoutingSweepResult {
  const signal = checkSignal(opts.signal);
  const tolerance = opts.tolerance ?? 0;
  const curve = sweepCurve(o, opts.thresholds ?? defaultThresholds(o.signal, opts.points), signal, opts.prunedFlops, opts.fullFlops);
  // the route-all accuracy sums the same values in another order: allow float rounding
  const floor = curve.accuracyFull - tolerance - 1e-9;
  const ok = curve.points.filter((p) => p.accuracy >= floor);
  const noLoss = ok.length === 0 ? undefined : ok.reduce((best, p) => (p.expectedCost < best.expectedCost || (p.expectedCost === best.expectedCost && p.accuracy > best.accuracy) ? p : best));
  return { signal, prunedCost: opts.prunedFlops / opts.fullFlops, tolerance, ...curve, ...(noLoss ? { noLoss } : {}) };
}

/**
 * The report of a choice made on `chosenOn`: the chosen thresholds and operating point measured on the outcomes of
 * the report split `reportName`. Nothing is chosen here: `noLoss` is the point at the chosen threshold, whatever
 * its accuracy on this split; the selection split's sweep is kept under `selection`.
 */
export function reportChoice(chosen: RoutingSweepResult, chosenOn: string, o: ExpertOutcomes, reportName: string, flops: { prunedFlops: number; fullFlops: number }): RoutingSweepResult {
  const curve = sweepCurve(o, chosen.points.map((p) => p.threshold), chosen.signal, flops.prunedFlops, flops.fullFlops);
  const noLoss = chosen.noLoss && curve.points.find((p) => p.threshold === chosen.noLoss!.threshold);
  const selection = { split: chosenOn, samples: chosen.samples, accuracyFull: chosen.accuracyFull, accuracyPruned: chosen.accuracyPruned, points: chosen.points, ...(chosen.noLoss ? { noLoss: chosen.noLoss } : {}) };
  return { signal: chosen.signal, prunedCost: chosen.prunedCost, tolerance: chosen.tolerance, ...curve, ...(noLoss ? { noLoss } : {}), split: reportName, selection };
}

/**
 * The routing sweep: the thresholds and the operating point chosen on `select` (inside `selecting`, so the report
 * split cannot be read there), then reported on `report`. Two passes on device per split, one read per expert.
 */
export async function routingSweep(o: RoutingSweepOptions): Promise<RoutingSweepResult> {
  checkSignal(o.signal);
  const chosen = await selecting('the routing threshold', async () => sweepOutcomes(await expertOutcomes({ ...o, split: o.select.split }), o));
  const outcomes = await expertOutcomes({ ...o, split: o.report.split });
  return reportChoice(chosen, o.select.name, outcomes, o.report.name, o);
}
