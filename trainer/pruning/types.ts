/**
 * Structural pruning (seed 002): the shapes every part shares. A *group* is a set of channels that can only be
 * removed together: the output units/filters of one producer layer, with everything coupled to them (a following
 * batchNorm's per-channel parameters and statistics, the consumer's input rows). Criteria score each channel of
 * each group; schedules turn scores into a plan (the channels kept per group); `apply` removes the rest physically.
 */
import type { NamedArray } from '../store/checkpoint';

/**
 * One prunable set of channels: the outputs (last axis) of `producer`; or, with `kind: 'heads'` (from
 * `headGroups`, structure.ts), the heads of one attention layer: channel h is head h, i.e. the columns
 * [h·headDim, (h+1)·headDim) of its q, k, v kernels and biases and the same rows of its output kernel. A head
 * group's producer and consumer are the attention layer itself (consumerPositions 1, no coupled norms).
 */
export interface ChannelGroup {
  /** The producer's layer id (a top-level or residual-body dense/conv2d layer, or the attention layer of a head group). */
  id: string;
  producer: string;
  producerType: 'dense' | 'conv2d' | 'attention';
  /** What a channel is: an output unit/filter ('channels', also when absent) or an attention head ('heads'). */
  kind?: 'channels' | 'heads';
  /** Head groups: the width of each head (kept in the pruned file as `headDim`). */
  headDim?: number;
  /** Channels (dense units or conv filters; heads of a head group). */
  channels: number;
  /** Layers whose per-channel parameters follow these channels (e.g. a batchNorm right after the producer). */
  coupledNorms: string[];
  /** The weight layer that reads these channels (its kernel's input rows are removed with them). */
  consumer: string;
  /** Rows of the consumer's kernel per channel (dense after a flatten of [H, W, C]: H·W; else 1). */
  consumerPositions: number;
  /** Forward FLOPs per sample that removing one channel saves (producer output + consumer input), for global ratios. */
  flopsPerChannel: number;
  paramsPerChannel: number;
}

/** Channels kept per group id (sorted indices); groups not listed keep everything. */
export type PruningPlan = Map<string, number[]>;

/** Per-channel scores by group id (higher = more important = kept first). */
export type Scores = Map<string, Float32Array>;

/**
 * What a criterion may read. Host arrays only: statistics are gathered on calibration batches by
 * `trainer/pruning/stats.ts` (one read) and, for trajectory criteria, accumulated during fine-tuning.
 */
export interface CriterionInput {
  groups: ChannelGroup[];
  /** Weights by name (`<layer id>/kernel`, `<layer id>/bias`, batchNorm `gamma`/`beta`/...). */
  weights: Map<string, NamedArray>;
  /** Per producer: ‖X_i‖₂ over calibration samples of each input feature of its kernel rows (conv: per input channel, over positions too). */
  inputNorms?: Map<string, Float32Array>;
  /** Per group: mean over samples (and positions) of |a_c · ∂L/∂a_c| (first-order Taylor on activations). */
  taylor?: Map<string, Float32Array>;
  /** Per producer kernel: E[g²] of each kernel entry over calibration batches (diagonal Fisher), same layout as the kernel. */
  fisher?: Map<string, Float32Array>;
  /** Per group: the AGF kinetic-utility accumulators (trainer/pruning/criteria/agf.ts). */
  trajectory?: Map<string, Float32Array>;
  /** Seed for random criteria. */
  seed: number;
}

/** A pruning criterion: one score per channel of every group. Registered by id in `criteria/registry.ts`. */
export interface Criterion {
  readonly id: string;
  /**
   * What tables and charts call it, when the id alone would mislead: `wanda (channel sum)` is a channel-level
   * aggregation of the published per-weight score, not the published criterion. Default: the id.
   */
  readonly label?: string;
  /** One line for tables and docs. */
  readonly description: string;
  /** Statistics it needs (the sweep gathers only those). */
  readonly needs: ReadonlyArray<'inputNorms' | 'taylor' | 'fisher' | 'trajectory'>;
  score(input: CriterionInput): Scores;
}
