/**
 * The training metrics between two host reads: loss, correct counts per task and gradient norm, summed on the
 * device step by step and read back in one transfer (a GPU is never stalled step by step); and the accuracy fields
 * a record gets from correct counts (shared with evaluation); the error alert of a diverged run.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Alert, MetricRecord } from '../../protocol/trainer';
import { labelWidth, positionsOf } from '../data/positions';
import type { Divergence, DivergenceSettings } from './divergence';
import { fmt } from './numbers';

/** What one read of the sums gives back: totals over `steps` steps. */
export interface TrainTotals {
  steps: number;
  loss: number;
  gradNorm: number;
  correct: number[];
}

export class TrainSums {
  private loss: tf.Tensor = tf.scalar(0);
  private norm: tf.Tensor = tf.scalar(0);
  private correct: tf.Tensor;
  /** Steps added since the last read. */
  steps = 0;

  constructor(private readonly tasks: number) {
    this.correct = tf.zeros([tasks]);
  }

  /** Adds one step's loss, correct counts and gradient norm, and disposes them. */
  add(loss: tf.Tensor, correct: tf.Tensor, norm: tf.Tensor): void {
    const l = tf.add(this.loss, loss);
    const c = tf.add(this.correct, correct);
    const n = tf.add(this.norm, norm);
    tf.dispose([this.loss, this.correct, this.norm, loss, correct, norm]);
    this.loss = l;
    this.correct = c;
    this.norm = n;
    this.steps++;
  }

  /** One host read of the totals; the sums start again from zero. */
  async read(): Promise<TrainTotals> {
    const packed = tf.tidy(() => tf.concat([tf.reshape(this.loss, [1]), tf.reshape(this.norm, [1]), this.correct]));
    const v = await packed.data();
    packed.dispose();
    const totals = { steps: this.steps, loss: v[0], gradNorm: v[1], correct: Array.from(v.subarray(2)) };
    this.dispose();
    this.loss = tf.scalar(0);
    this.correct = tf.zeros([this.tasks]);
    this.norm = tf.scalar(0);
    this.steps = 0;
    return totals;
  }

  dispose(): void {
    tf.dispose([this.loss, this.correct, this.norm]);
  }
}

/** Where a read happens: the step it follows, the learning rate of that step, and the time since the last read. */
export interface ReadPoint {
  step: number;
  epoch: number;
  lr: number;
  batchSize: number;
  /** Milliseconds since the previous read (or the start). */
  ms: number;
}

/** The training record of one read: means over the steps summed since the previous read, and the throughput. */
export function trainRecord(totals: TrainTotals, tasks: Array<{ name: string; positions?: number }>, at: ReadPoint): MetricRecord & { loss: number } {
  const rec: MetricRecord & { loss: number } = {
    step: at.step,
    epoch: at.epoch,
    time: Date.now(),
    split: 'train',
    loss: totals.loss / totals.steps,
    gradNorm: totals.gradNorm / totals.steps,
    lr: at.lr,
    samplesPerSec: (totals.steps * at.batchSize * 1000) / Math.max(1e-3, at.ms),
  };
  addAccuracy(rec, tasks, totals.correct, totals.steps * at.batchSize);
  return rec;
}

/** What a user can do about a diverged run; ends its alert. */
export const DIVERGENCE_REMEDY = 'Lower the learning rate (train.optimizer.lr), enable clipping (train.clipNorm: 1.0) or stabilization (stabilize: auto), or check the data, then start a new run.';

/**
 * The error alert of a diverged run (engine/divergence.ts): kind `nan`/`inf` for a non-finite loss, `divergence` for
 * a finite blow-up. The run stops there and keeps its last good checkpoint.
 */
export function divergenceAlert(d: Divergence, rule: DivergenceSettings): Alert {
  const what = d.kind === 'blow-up'
    ? `training loss reached ${fmt(d.loss)} by step ${d.step}, over ${rule.factor}× its first read (threshold ${fmt(d.threshold!)}) since step ${d.since}`
    : `training loss became ${d.loss} by step ${d.step}`;
  return {
    kind: d.kind === 'blow-up' ? 'divergence' : d.kind,
    step: d.step,
    value: d.loss,
    ...(d.threshold !== undefined ? { threshold: d.threshold } : {}),
    severity: 'error',
    message: `${what}: the run has diverged; it stops and keeps its last good checkpoint. ${DIVERGENCE_REMEDY}`,
  };
}

/**
 * `accuracy`: the fraction of all labels right (n samples × labelWidth columns; the mean over tasks
 * when each has one position); `accuracy_<task>` with several tasks: correct / (n·positions).
 */
export function addAccuracy(rec: Record<string, unknown>, tasks: Array<{ name: string; positions?: number }>, correct: number[], n: number): void {
  rec.accuracy = correct.reduce((a, b) => a + b, 0) / (n * labelWidth(tasks));
  if (tasks.length > 1) tasks.forEach((t, i) => (rec[`accuracy_${t.name}`] = correct[i] / (n * positionsOf(t))));
}

/** `loss` → `valLoss` for prefix `val`: the names of a run's final metrics. */
export function prefixed(prefix: string, m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) out[`${prefix}${k[0].toUpperCase()}${k.slice(1)}`] = v;
  return out;
}
