/**
 * Modules: small classes that own their tfjs variables. One module per resolved LayerNode;
 * a residual node owns the modules of its body. The training loop only sees this interface.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode } from '../../spec/types';

/** Per-call context passed down the forward pass. */
export interface ForwardContext {
  /** Dropout active, batchNorm uses batch statistics and updates its moving averages. */
  training: boolean;
  /** Training step: combined with the module's own seed it seeds dropout, so runs are reproducible and resumable. */
  step: number;
  /**
   * When set, every module writes its output here under its layer id (kept, i.e. not disposed by
   * tf.tidy: the caller disposes them). Used by monitoring hooks every N steps.
   */
  activations?: Map<string, tf.Tensor>;
  /** Updates to apply after the step (batchNorm moving statistics): variable <- value. */
  stateUpdates?: Array<{ variable: tf.Variable; value: tf.Tensor }>;
  /**
   * Residual-branch factor α (trainer/stabilize/residual-scale.ts): a residual node multiplies its body's
   * output by `scale · α`, a transformer block its attention and MLP branches by their α. Undefined (no
   * provider, or the provider returns undefined) means α = 1: the model computes exactly what the file says.
   */
  residualScale?(layerId: string, branch: ResidualBranch): tf.Scalar | number | undefined;
  /** Overrides every batchNorm's moving-average momentum (the stabilizer's safety.batchNormMomentum). */
  batchNormMomentum?: number;
  /**
   * Rewrites a module's output before the next module sees it (and before it is recorded in `activations`):
   * emergent modularity (trainer/modularity/) multiplies the units of modular layers by their subnetwork
   * masks and attaches its gradient probes here. Returning `y` unchanged (or no hook) costs nothing.
   */
  transformOutput?(layerId: string, y: tf.Tensor): tf.Tensor;
  /**
   * Set during training: a module adds an auxiliary loss term (already weighted) to the step's objective, e.g. a
   * router's load-balance, compute and z-losses (trainer/dna/). The collector keeps the scalar (tf.keep) and owns it.
   * Unset in evaluation: modules then compute no auxiliary loss.
   */
  addLoss?(loss: tf.Scalar): void;
}

/** The branches a residual factor applies to: a residual node's body, a transformer block's two. */
export type ResidualBranch = 'body' | 'attn' | 'mlp';

/** y·s for a host number or a scalar tensor; a host 1 costs nothing. Call inside tf.tidy. */
export function scaleBranch(y: tf.Tensor, s: tf.Scalar | number): tf.Tensor {
  return typeof s === 'number' && s === 1 ? y : tf.mul(y, s);
}

/** A weight the module owns, with a stable name `<layer id>/<role>` (e.g. `layers[0]/kernel`). */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
  /** The layer id it belongs to (for per-layer statistics). */
  layerId: string;
  /** kernel | bias | gamma | beta | embeddings | movingMean | ... */
  role: string;
}

export abstract class Module {
  constructor(public readonly node: LayerNode) {}

  get id(): string {
    return this.node.id;
  }

  /** Forward pass on a batch [B, ...inputShape] -> [B, ...outputShape]. Called inside tf.tidy / variableGrads. */
  abstract forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;

  /** Trainable variables, including those of child modules. */
  trainable(): NamedVariable[] {
    return [];
  }

  /** Non-trainable state saved in checkpoints (batchNorm moving mean/variance). */
  state(): NamedVariable[] {
    return [];
  }

  /** Child modules (a residual block's body, a transformer's sub-layers), for per-layer traversal. */
  children(): Module[] {
    return [];
  }

  dispose(): void {
    for (const v of [...this.trainable(), ...this.state()]) v.variable.dispose();
    for (const c of this.children()) c.dispose();
  }
}
