/**
 * Softmax router of a DNA hop (issue 8): logits = x·W_r + b_r ([N, D] → [N, M], a linear `dense` child so its
 * weights show up in per-layer statistics like any layer's), top-k modules per token (k = 1 or 2), gates = the
 * chosen modules' softmax probabilities renormalised over the top-k.
 *
 * Capacity: each module takes at most C = ceil(capacityFactor · N · k / M) tokens. Tokens are admitted in token
 * order (both choices of a token together); a token beyond C is dropped for that module only (dispatch 0, gate 0,
 * so that module adds nothing for it) and counted in `dropped`.
 *
 * Everything stays on the device (no host read per step): top-k by tf.topk, the admission order by an exclusive
 * cumulative sum over tokens. `routeOnHost` is the same decision written plainly on the host: the tests hold the
 * device version to it.
 *
 * Straight-through estimator: the selection and capacity are not differentiable. `gates` and `choice` carry the
 * hard values forward and route the backward pass through the soft probabilities unchanged (d gates/d probs =
 * identity), so the router is trained even when k = 1 (whose renormalised gate is the constant 1). The hard values
 * are computed inside the custom gradient, off the tape: tf.topk and tf.oneHot have no gradient of their own.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { SourceRange } from '../../spec/types';
import { routerFlopsPerToken } from '../../spec/layers/dna';
import { ForwardContext, Module, NamedVariable } from '../engine/module';
import { callModule } from '../engine/layers/call';
import { Dense } from '../engine/layers/dense';
import type { Initializer } from '../engine/layers/init';
import { subNode } from '../engine/layers/sub-node';

export interface RouterConfig {
  /** Token width D. */
  dim: number;
  /** Number of modules M in the pool. */
  modules: number;
  /** Modules per token. */
  k: 1 | 2;
  /** Capacity factor (1 = exactly the balanced share; larger leaves slack). */
  capacityFactor: number;
}

/** One routing decision for N tokens over M modules. Tensors are [N, M] unless noted. */
export interface Routing {
  logits: tf.Tensor2D;
  /** softmax(logits). */
  probs: tf.Tensor2D;
  /** Top-k selection, before capacity (0/1, exactly k ones per row). No gradient. */
  selected: tf.Tensor2D;
  /** Selection after capacity (0/1): the tokens each module actually processes. No gradient. */
  dispatch: tf.Tensor2D;
  /** Forward: renormalised top-k probabilities × dispatch; backward: identity to `probs`. */
  gates: tf.Tensor2D;
  /** Forward: `dispatch`; backward: identity to `probs` (for the compute loss). */
  choice: tf.Tensor2D;
  /** C = ceil(capacityFactor · N · k / M). */
  capacity: number;
  /** [M] tokens processed per module (≤ capacity). */
  usage: tf.Tensor1D;
  /** [M] top-k choices dropped per module by the capacity limit. */
  dropped: tf.Tensor1D;
}

export function capacityFor(tokens: number, config: RouterConfig): number {
  return Math.ceil((config.capacityFactor * tokens * config.k) / config.modules);
}

/** Hard routing of probabilities [N, M]: [gates | dispatch | selected] as [N, 3M]. Plain ops: call off the tape. */
function hardRouting(probs: tf.Tensor2D, k: number, capacity: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, m] = probs.shape;
    let selected: tf.Tensor;
    if (m === 1) selected = tf.onesLike(probs); // tf.oneHot needs a depth of at least 2
    else {
      const { indices } = tf.topk(probs, k);
      const picks = tf.cast(tf.oneHot(tf.reshape(indices, [n * k]) as tf.Tensor1D, m), 'float32');
      selected = k === 1 ? picks : tf.sum(tf.reshape(picks, [n, k, m]), 1);
    }
    const before = tf.cumsum(selected, 0, true);
    const dispatch = tf.mul(selected, tf.cast(tf.less(before, capacity), 'float32'));
    const top = tf.mul(selected, probs);
    const gates = tf.mul(tf.divNoNan(top, tf.sum(top, 1, true)), dispatch);
    return tf.concat([gates, dispatch, selected], 1) as tf.Tensor2D;
  });
}

/** [gates | choice | selected] with the straight-through gradient: d/d probs = d gates + d choice (selected: none). */
function routeStraightThrough(probs: tf.Tensor2D, k: number, capacity: number): tf.Tensor2D {
  const m = probs.shape[1];
  const op = tf.customGrad(((p: tf.Tensor2D) => ({
    value: hardRouting(p, k, capacity),
    gradFunc: (dy: tf.Tensor) => tf.tidy(() => {
      const [g, c] = tf.split(dy, [m, m, m], 1);
      return tf.add(g, c);
    }),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(probs) as tf.Tensor2D;
}

export interface HostRouting {
  selected: Float32Array;
  dispatch: Float32Array;
  hardGates: Float32Array;
  usage: number[];
  dropped: number[];
}

/** Top-k + capacity on host probabilities [N·M] (row-major). Ties go to the lower module index. The reference. */
export function routeOnHost(probs: ArrayLike<number>, n: number, m: number, k: number, capacity: number): HostRouting {
  const selected = new Float32Array(n * m);
  const dispatch = new Float32Array(n * m);
  const hardGates = new Float32Array(n * m);
  const usage = new Array<number>(m).fill(0);
  const dropped = new Array<number>(m).fill(0);
  const order = Array.from({ length: m }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    const row = i * m;
    const top = [...order].sort((a, b) => probs[row + b] - probs[row + a] || a - b).slice(0, k);
    let sum = 0;
    for (const j of top) sum += probs[row + j];
    for (const j of top) {
      selected[row + j] = 1;
      if (usage[j] < capacity) {
        usage[j]++;
        dispatch[row + j] = 1;
        hardGates[row + j] = sum > 0 ? probs[row + j] / sum : 1 / k;
      } else dropped[j]++;
    }
  }
  return { selected, dispatch, hardGates, usage, dropped };
}

export class Router extends Module {
  readonly logits: Dense;
  /** FLOPs of routing one token (logits and softmax). */
  readonly flopsPerToken: number;

  constructor(id: string, readonly config: RouterConfig, init: Initializer, range: SourceRange) {
    const { dim, modules, k } = config;
    super(subNode(id, 'activation', { activation: 'linear' }, [dim], [modules], dim * modules + modules, 2 * dim * modules + modules, range));
    if (k !== 1 && k !== 2) throw new Error(`${id}: k must be 1 or 2, got ${k}`);
    if (k > modules) throw new Error(`${id}: k = ${k} exceeds the ${modules} module(s)`);
    if (!(config.capacityFactor > 0)) throw new Error(`${id}: capacityFactor must be > 0, got ${config.capacityFactor}`);
    this.logits = new Dense(subNode(`${id}.logits`, 'dense', { units: modules, activation: 'linear', useBias: true }, [dim], [modules], dim * modules + modules, 2 * dim * modules + modules, range), init);
    this.flopsPerToken = routerFlopsPerToken(dim, modules);
  }

  /** The routing logits, for `forward` (the module contract); `route` is what the hops call. */
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return callModule(this.logits, x, ctx);
  }

  /** Routes tokens x [N, D]. Call inside tf.tidy / variableGrads. No host read. */
  route(x: tf.Tensor2D, ctx: ForwardContext): Routing {
    const n = x.shape[0];
    const m = this.config.modules;
    const logits = this.forward(x, ctx) as tf.Tensor2D;
    const probs = tf.softmax(logits) as tf.Tensor2D;
    const capacity = capacityFor(n, this.config);
    const packed = routeStraightThrough(probs, this.config.k, capacity);
    const gates = tf.slice(packed, [0, 0], [n, m]) as tf.Tensor2D;
    const choice = tf.slice(packed, [0, m], [n, m]) as tf.Tensor2D;
    const selected = tf.slice(packed, [0, 2 * m], [n, m]) as tf.Tensor2D;
    const usage = tf.sum(choice, 0) as tf.Tensor1D;
    return {
      logits, probs, selected, dispatch: choice, gates, choice, capacity, usage,
      dropped: tf.sub(tf.sum(selected, 0), usage) as tf.Tensor1D,
    };
  }

  children(): Module[] {
    return [this.logits];
  }

  trainable(): NamedVariable[] {
    return this.logits.trainable();
  }
  dispose(): void {
    for (const c of this.children()) c.dispose();
  }

}
