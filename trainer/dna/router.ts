/**
 * Softmax router of a DNA hop (issue 8): logits = x·W_r + b_r ([N, D] → [N, M]), top-k modules per
 * token (k = 1 or 2), gates = the chosen modules' softmax probabilities renormalised over the top-k.
 *
 * Capacity: each module takes at most C = ceil(capacityFactor · N · k / M) tokens. Tokens are
 * admitted in token order (both choices of a token together); a token beyond C is dropped for that
 * module only (dispatch 0, gate 0, output 0 for that module) and counted in `dropped`.
 *
 * Straight-through estimator: the selection and capacity are decided on the host (no gradient);
 * `gates` and `choice` carry the hard values forward and route the backward pass through the soft
 * probabilities (`ste(hard, soft)`: value hard, d/d soft = identity, d/d hard = 0), so W_r is trained
 * even when k = 1 (whose renormalised gate is the constant 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { NamedVariable } from '../engine/module';
import { createVariable, Initializer } from '../engine/layers/init';

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

/** One routing decision for N tokens over M modules. Tensors are [N, M]. */
export interface Routing {
  logits: tf.Tensor2D;
  /** softmax(logits). */
  probs: tf.Tensor2D;
  /** Top-k selection, before capacity (0/1, exactly k ones per row). */
  selected: tf.Tensor2D;
  /** Selection after capacity (0/1): the tokens each module actually processes. */
  dispatch: tf.Tensor2D;
  /** Forward: renormalised top-k probabilities × dispatch; backward: through `probs`. */
  gates: tf.Tensor2D;
  /** Forward: `dispatch`; backward: through `probs` (for the compute loss). */
  choice: tf.Tensor2D;
  /** C = ceil(capacityFactor · N · k / M). */
  capacity: number;
  /** Tokens processed per module (≤ capacity). */
  usage: number[];
  /** Tokens dropped per module by the capacity limit. */
  dropped: number[];
}

/** Value `hard`, gradient passed unchanged to `soft` (and none to `hard`). Same shapes. */
export function ste(hard: tf.Tensor, soft: tf.Tensor): tf.Tensor {
  const op = tf.customGrad(((h: tf.Tensor, s: tf.Tensor) => ({
    value: tf.clone(h),
    gradFunc: (dy: tf.Tensor) => [tf.zerosLike(h), tf.mul(dy, tf.onesLike(s))],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(hard, soft);
}

export function capacityFor(tokens: number, config: RouterConfig): number {
  return Math.ceil((config.capacityFactor * tokens * config.k) / config.modules);
}

export interface HostRouting {
  selected: Float32Array;
  dispatch: Float32Array;
  hardGates: Float32Array;
  usage: number[];
  dropped: number[];
}

/** Top-k + capacity on host probabilities [N·M] (row-major). Ties go to the lower module index. */
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

export class Router {
  readonly kernel: NamedVariable;
  readonly bias: NamedVariable;

  constructor(readonly id: string, readonly config: RouterConfig, init: Initializer) {
    const { dim, modules, k } = config;
    if (k !== 1 && k !== 2) throw new Error(`${id}: k must be 1 or 2, got ${k}`);
    if (k > modules) throw new Error(`${id}: k = ${k} exceeds the ${modules} module(s)`);
    if (!(config.capacityFactor > 0)) throw new Error(`${id}: capacityFactor must be > 0, got ${config.capacityFactor}`);
    this.kernel = createVariable(init, id, 'routerKernel', [dim, modules], (r) => r.glorotUniform([dim, modules], dim, modules));
    this.bias = createVariable(init, id, 'routerBias', [modules], (r) => new Float32Array(modules));
  }

  /** Routes tokens x [N, D]. Call inside tf.tidy / variableGrads (reads the probabilities on the host). */
  route(x: tf.Tensor2D): Routing {
    const n = x.shape[0];
    const m = this.config.modules;
    const logits = tf.add(tf.matMul(x, this.kernel.variable as tf.Tensor2D), this.bias.variable) as tf.Tensor2D;
    const probs = tf.softmax(logits) as tf.Tensor2D;
    const capacity = capacityFor(n, this.config);
    const host = routeOnHost(probs.dataSync(), n, m, this.config.k, capacity);
    const dispatch = tf.tensor2d(host.dispatch, [n, m]);
    return {
      logits,
      probs,
      selected: tf.tensor2d(host.selected, [n, m]),
      dispatch,
      gates: ste(tf.tensor2d(host.hardGates, [n, m]), probs) as tf.Tensor2D,
      choice: ste(dispatch, probs) as tf.Tensor2D,
      capacity,
      usage: host.usage,
      dropped: host.dropped,
    };
  }

  trainable(): NamedVariable[] {
    return [this.kernel, this.bias];
  }

  dispose(): void {
    this.kernel.variable.dispose();
    this.bias.variable.dispose();
  }
}
