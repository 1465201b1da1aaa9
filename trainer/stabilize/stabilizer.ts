/**
 * The stabilizer of a run (seed 001): one object built from ModelFile.stabilize and the run length, called
 * by the training loop at its seams (trainer/engine/seams.ts):
 *   lr(step, base)        depth-scaled warm-up/decay (or the model's own schedule) × the spike multiplier
 *   clipNorm              safety.clipNorm, used when train.clipNorm is 0
 *   residualScale(step)   the α provider (residual-scale.ts); batchNormMomentum: safety's override
 *   afterUpdate(step)     spectral rescale to bound(step) every `spectral.every` steps
 *   onTrainLoss(step, l)  loss-spike detection at the loop's existing loss read
 *   spectralStats(step)   σ per layer for the one batched statistics read
 * Its monitors are the registry's (trainer/monitors/), wired by the session. `notes` lists the trainer-side
 * decisions for the run's log.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Alert } from '../../protocol/trainer';
import type { StabilizeSpec } from '../../spec/types';
import { createLrSchedule, type LrSchedule } from '../engine/lr-schedules';
import type { ForwardContext, NamedVariable } from '../engine/module';
import type { LoopStabilizer, SpectralStats, StabilizerContext, StabilizerFactory } from '../engine/seams';
import { boundSchedule } from './bound-schedule';
import { depthLrSchedule, seedWarmup } from './depth-lr';
import { ResidualScale } from './residual-scale';
import { SpikeGuard } from './safety';
import { SpectralNorm } from './spectral';

export class Stabilizer implements LoopStabilizer {
  readonly notes: string[] = [];
  readonly clipNorm: number;
  readonly batchNormMomentum: number | undefined;
  readonly spectral: SpectralNorm | undefined;
  readonly residual: ResidualScale;
  readonly spikes: SpikeGuard;
  /** The warm-up length in steps (depth plan, or the model's schedule when the depth LR is off). */
  readonly warmup: number;
  private readonly bound: (step: number) => number;
  private readonly schedule: LrSchedule;
  private readonly total: number;
  private lastBound: number;

  constructor(readonly spec: StabilizeSpec, ctx: StabilizerContext) {
    const { net, totalSteps, train } = ctx;
    this.total = totalSteps;

    // learning rate
    const depthLr = depthLrSchedule(spec.lr, spec.depth);
    const plan = depthLr.plan(totalSteps);
    if (spec.lr.enabled) {
      this.schedule = depthLr;
      this.notes.push(...plan.notes);
      this.warmup = plan.warmup;
    } else {
      this.schedule = createLrSchedule(train.schedule, { depth: spec.depth });
      this.warmup = train.schedule.warmupSteps > 0 ? train.schedule.warmupSteps : plan.warmup;
      this.notes.push(`LR: the model's own '${train.schedule.type}' schedule (stabilize.lr is off)`);
    }

    // residual scaling
    const residualSteps = residualRampSteps(spec, train.schedule.warmupSteps, this.warmup);
    this.residual = new ResidualScale(spec.residual, net.allModules(), residualSteps);
    const r = spec.residual;
    if (r.mode === 'off' || this.residual.branches.length === 0) {
      this.notes.push(`residual scaling: off${r.mode !== 'off' ? ' (the model has no residual or transformer blocks)' : ''}`);
    } else if (r.mode === 'scheduled') {
      this.notes.push(`residual scaling: α ${r.initial} → ${r.final} (attention ${r.attentionInitial} → ${r.attentionFinal}) over ${residualSteps} steps${spec.residual.steps > 0 ? '' : residualSteps > this.warmup ? " (the seed's warm-up for this depth, not shortened with the run's)" : ' (the warm-up)'} on ${this.residual.branches.length} branches`);
    } else {
      this.notes.push(`residual scaling: learnable α from ${r.initial} (attention ${r.attentionInitial}) at lr ${r.lr} on ${this.residual.branches.length} branches`);
    }

    // spectral normalisation
    const s = spec.spectral;
    this.bound = boundSchedule(s, totalSteps);
    this.lastBound = this.bound(0);
    if (s.enabled) {
      this.spectral = new SpectralNorm(net.trainable(), train.seed, s.iterations);
      this.notes.push(`spectral: ${this.spectral.size} weight matrices, bound ${s.initial} → ${s.final} (${s.schedule}) over ${s.steps > 0 ? s.steps : totalSteps} steps, every ${s.every} step(s), ${s.iterations} power iteration(s)`);
    } else {
      this.notes.push('spectral: off');
    }

    // safety
    const f = spec.safety;
    this.clipNorm = f.clipNorm;
    this.notes.push(train.clipNorm > 0
      ? `clipping: train.clipNorm ${train.clipNorm} (set in train:, wins over stabilize.safety.clipNorm ${f.clipNorm})`
      : f.clipNorm > 0 ? `clipping: global norm ${f.clipNorm} (stabilize.safety.clipNorm)` : 'clipping: off');
    this.spikes = new SpikeGuard(f);
    if (f.spikeFactor > 0) this.notes.push(`loss spikes: loss > ${f.spikeFactor}× the median of the last ${f.spikeWindow} reads → LR × ${f.lrFactor} for ${f.lrSteps} steps`);
    this.batchNormMomentum = f.batchNormMomentum > 0 ? f.batchNormMomentum : undefined;
    if (this.batchNormMomentum !== undefined && net.allModules().some((m) => m.node.type === 'batchNorm')) {
      this.notes.push(`batchNorm momentum: ${this.batchNormMomentum} (stabilize.safety.batchNormMomentum)`);
    }
  }

  lr(step: number, base: number): number {
    return this.schedule.at(step, this.total, base) * this.spikes.multiplier(step);
  }

  residualScale(step: number): ForwardContext['residualScale'] {
    return this.residual.provider(step);
  }

  extraTrainable(): NamedVariable[] {
    return this.residual.trainable();
  }

  applyExtraGradients(grads: Map<string, tf.Tensor>): void {
    this.residual.applyGradients(grads);
  }

  afterUpdate(step: number): void {
    if (!this.spectral || step % Math.max(1, this.spec.spectral.every) !== 0) return;
    this.lastBound = this.bound(step);
    this.spectral.rescale(this.lastBound);
  }

  onTrainLoss(step: number, loss: number): Alert[] {
    const a = this.spikes.observe(step, loss);
    return a ? [a] : [];
  }

  spectralStats(_step: number): SpectralStats | undefined {
    return this.spectral ? { bound: this.lastBound, sigma: this.spectral.sigmaByLayer() } : undefined;
  }

  state(): NamedVariable[] {
    return [...(this.spectral?.state() ?? []), ...this.residual.trainable()];
  }

  dispose(): void {
    this.spectral?.dispose();
    this.residual.dispose();
  }
}

/** The loop's factory for a `stabilize:` block. */
export function stabilizerFor(spec: StabilizeSpec): StabilizerFactory {
  return (ctx) => new Stabilizer(spec, ctx);
}

/**
 * How many updates the residual α ramp takes when `stabilize.residual.steps` is 0: the seed's warm-up for the depth
 * counted in updates, not a warm-up shortened to fit a short run, unless the file wrote a warm-up itself (`lr.warmupSteps`,
 * or `train.schedule.warmupSteps` when the LR pillar is off): the deep branches must not reach full weight before the
 * weights have had that many updates (a 200-step run of a 1000-layer net keeps α near its initial value; BENCHMARKS.md).
 * Until 2026-12-04 this held only while the LR pillar was on: with `lr: off` α ramped over the shortened warm-up
 * (30 updates in a 300-step run), so a 300-layer net was a scale-1 stack by step 30 and the `no-depth-lr` ablation
 * measured that, not the LR.
 */
export function residualRampSteps(spec: Pick<StabilizeSpec, 'depth' | 'lr' | 'residual'>, scheduleWarmup: number, warmup: number): number {
  if (spec.residual.steps > 0) return spec.residual.steps;
  const written = spec.lr.enabled ? spec.lr.warmupSteps !== 'auto' : scheduleWarmup > 0;
  return written ? warmup : Math.max(warmup, seedWarmup(spec.depth));
}
