/**
 * The seams where a stabilizer (trainer/stabilize/, seed 001) plugs into the training loop. The loop calls
 * them at fixed points of a step and knows nothing else about it; without a stabilizer none is called and
 * the loop does exactly what it did before. All tensor work behind a seam stays on the device: no seam
 * reads tensors back (the loss it gets is the one the loop already reads every `logEvery` steps).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Alert } from '../../protocol/trainer';
import type { TrainSpec } from '../../spec/types';
import type { SequentialModel } from './model';
import type { ForwardContext, NamedVariable } from './module';

export interface StabilizerContext {
  net: SequentialModel;
  totalSteps: number;
  train: TrainSpec;
}

/** Latest spectral-norm estimates, for the per-layer statistics read (no read of their own). */
export interface SpectralStats {
  /** The bound in force at the step of the statistics. */
  bound: number;
  /** σ estimates (scalar tensors, owned by the stabilizer) by layer id; a layer's σ is the largest. */
  sigma: Map<string, tf.Tensor[]>;
}

export interface LoopStabilizer {
  /** Trainer-side decisions (scaled warm-up, peak LR, clipping), one line each, for the run's log. */
  readonly notes: string[];
  /** Global-norm clip used when `train.clipNorm` is 0 (0 = none). */
  readonly clipNorm: number;
  /** BatchNorm momentum override, when set. */
  readonly batchNormMomentum?: number;
  /** Learning rate of 0-based `step` for the optimizer's base rate (schedule × spike multiplier). */
  lr(step: number, base: number): number;
  /** The residual-factor provider for the forward pass of `step` (training and evaluation). */
  residualScale(step: number): ForwardContext['residualScale'];
  /** Extra trainable variables (learnable residual factors): differentiated with the model's weights. */
  extraTrainable(): NamedVariable[];
  /** Their gradients (by NamedVariable name), applied by the stabilizer itself; the loop disposes them. */
  applyExtraGradients(grads: Map<string, tf.Tensor>): void;
  /** After the optimizer's update of `step` (spectral rescale). */
  afterUpdate(step: number): void;
  /** At each host read of the mean training loss (`step` = steps done): alerts to emit (loss spikes). */
  onTrainLoss(step: number, loss: number): Alert[];
  /** The spectral estimates to include in a statistics read, when spectral normalisation is on. */
  spectralStats(step: number): SpectralStats | undefined;
  /** Variables to checkpoint with the weights (power-iteration vectors, learnable factors). */
  state(): NamedVariable[];
  dispose(): void;
}

export type StabilizerFactory = (ctx: StabilizerContext) => LoopStabilizer;

/** What a technique plugin (emergent modularity, later pruning and routing) is built with. */
export interface PluginContext {
  net: SequentialModel;
  totalSteps: number;
  stepsPerEpoch: number;
  batchSize: number;
  train: TrainSpec;
}

/**
 * A technique that takes part in every step: it rewrites module outputs (masks, probes), adds loss terms
 * inside the tape, sees (and may rewrite) the gradients, and does its own periodic work after the update.
 * Like the stabilizer, nothing here reads tensors back every step: `afterUpdate` and `onRead` may, at
 * their own intervals. Without plugins the loop does exactly what it did before.
 */
export interface LoopPlugin {
  readonly id: string;
  /** Variables trained by the loop's optimizer with the model's, and checkpointed with their slots. */
  trainable(): NamedVariable[];
  /** Variables that are only differentiated (gradient probes): never updated, never checkpointed. */
  probes(): tf.Variable[];
  /** Non-trained state to checkpoint (tensors). */
  state(): NamedVariable[];
  /** The output rewrite for the forward pass of `step` (training: with probes; evaluation: masks only). */
  transform(step: number, training: boolean): ForwardContext['transformOutput'];
  /** Extra loss terms of the step's forward pass, called inside the tape after the forward pass; undefined = none. */
  extraLoss(step: number): tf.Scalar | undefined;
  /**
   * The step's gradients by name (weights) and by tfjs variable name (probes). The plugin takes the probes'
   * gradients out of `probeGrads` (and disposes them) and may replace weight gradients in `grads`
   * (disposing what it replaces), e.g. to freeze parts of a weight.
   */
  onGradients(step: number, grads: Map<string, tf.Tensor>, probeGrads: Map<string, tf.Tensor>): void;
  /** After the optimizer's update of `step`. May read back (clustering) at its own interval. */
  afterUpdate(step: number): Promise<void> | void;
  /** At each host read of the training metrics (`step` = steps done): extra metrics and alerts. */
  onRead(step: number): Promise<{ metrics: Record<string, number>; alerts: Alert[] }>;
  /** Host state for checkpoints (JSON), and its inverse at resume. */
  saveState(): unknown;
  loadState(state: unknown): void;
  dispose(): void;
}

export type PluginFactory = (ctx: PluginContext) => LoopPlugin;
