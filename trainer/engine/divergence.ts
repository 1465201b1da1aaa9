/**
 * When a run has diverged: the one definition shared by the training loop (the error alert, the run status
 * `diverged`) and the stability benchmark (bench/stability/analyze.ts), so the product and the benchmark agree.
 *
 * Fed the mean training loss at each read (every `logEvery` steps in the loop, every step in the benchmark), a run
 * has diverged
 * - at once, when a loss read is NaN or ±Infinity;
 * - when `patience` reads in a row are above `factor` × the first positive loss read (a blow-up short of Infinity, e.g.
 *   1e27; a first read of 0 or below would make a threshold of 0 or below, and every later read a blow-up).
 *   The reference never moves: a loss that creeps up read by read (the 300-layer baseline going from 24 to 3.6e4
 *   over 4000 steps) diverges as surely as one that jumps. (Until 2026-12-04 the reference was the larger of the
 *   first read and a running median, which rose with a slow blow-up, so such a run ended `completed`.);
 * - when the run ends during such a streak (`end()`): its last weights are the blown-up ones.
 * A single spike, or a noisy descent, is not divergence. Defaults (DIVERGENCE): factor 100, patience 3.
 * The state is small and saved with each checkpoint (`save`/`load`), so a resumed run decides as an uninterrupted one.
 */
import { fmt } from './numbers';

export interface DivergenceSettings {
  /** A loss above `factor` × the reference is over the threshold. */
  factor: number;
  /** Reads in a row over the threshold that make a run diverged. */
  patience: number;
}

export const DIVERGENCE: Readonly<DivergenceSettings> = { factor: 100, patience: 3 };

/** Why a run diverged. */
export interface Divergence {
  /** `nan`/`inf`: a non-finite loss; `blow-up`: a finite loss over the threshold for `patience` reads. */
  kind: 'nan' | 'inf' | 'blow-up';
  /** The step of the read that decided it. */
  step: number;
  loss: number;
  /** The threshold the loss was above (blow-up only). */
  threshold?: number;
  /** The first step of the streak over the threshold (blow-up only). */
  since?: number;
  /** One line for run.json's `error` and the CLI: what happened. */
  reason: string;
}

/** What a checkpoint keeps of the rule (JSON). */
export interface DivergenceState {
  initial?: number;
  /** Written by checkpoints before 2026-12-04 (a running median's reads); ignored. */
  recent?: number[];
  streak: number;
  since?: number;
}

export class DivergenceRule {
  private initial: number | undefined;
  private streak = 0;
  private since: number | undefined;
  private last: { step: number; loss: number; threshold: number } | undefined;

  constructor(readonly settings: Readonly<DivergenceSettings> = DIVERGENCE) {}

  /** The loss read after `step` steps; the divergence when this read decides it, else undefined. */
  observe(step: number, loss: number): Divergence | undefined {
    if (!Number.isFinite(loss)) {
      return { kind: Number.isNaN(loss) ? 'nan' : 'inf', step, loss, reason: `loss is not finite at step ${step} (${loss})` };
    }
    const { factor, patience } = this.settings;
    const threshold = this.threshold();
    if (threshold !== undefined && loss > threshold) {
      if (this.streak === 0) this.since = step;
      this.streak++;
      this.last = { step, loss, threshold };
    } else {
      this.streak = 0;
      this.since = undefined;
      if (loss > 0) this.initial ??= loss;
    }
    return this.streak >= patience ? this.blowUp(factor) : undefined;
  }

  /** At the end of a run: the divergence when the last reads were over the threshold (fewer than `patience`). */
  end(): Divergence | undefined {
    return this.streak > 0 ? this.blowUp(this.settings.factor) : undefined;
  }

  /** True while the last read was over the threshold: the weights may be blown up (no checkpoint is written). */
  get suspect(): boolean {
    return this.streak > 0;
  }

  /** The loss a read must exceed to count: factor × the first positive read; undefined before one. */
  threshold(): number | undefined {
    if (this.initial === undefined) return undefined;
    return this.settings.factor * this.initial;
  }

  save(): DivergenceState {
    return { initial: this.initial, streak: this.streak, since: this.since };
  }

  load(s: DivergenceState): void {
    this.initial = s.initial;
    this.streak = s.streak;
    this.since = s.since;
  }

  private blowUp(factor: number): Divergence {
    const { step, loss, threshold } = this.last!;
    const reads = this.streak === 1 ? 'at the last read' : `for ${this.streak} reads in a row (since step ${this.since})`;
    return {
      kind: 'blow-up',
      step,
      loss,
      threshold,
      since: this.since,
      reason: `loss reached ${fmt(loss)} at step ${step}, over ${factor}× its first read (threshold ${fmt(threshold)}) ${reads}`,
    };
  }
}

/** The first divergence in a sequence of loss reads (the benchmark's per-step losses), or undefined. */
export function firstDivergence(reads: ReadonlyArray<{ step: number; loss: number }>, settings?: DivergenceSettings): Divergence | undefined {
  const rule = new DivergenceRule(settings);
  for (const r of reads) {
    const d = rule.observe(r.step, r.loss);
    if (d) return d;
  }
  return rule.end();
}
