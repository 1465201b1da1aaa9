/**
 * One DNA hop: a router and a pool of modules. For tokens x [B, T, D] (N = B·T tokens):
 *   y = x + Σ_m gate_m ⊙ dispatch_m ⊙ module_m(x)
 * with dispatch_m the [N] 0/1 mask of the tokens module m processes (top-k, then capacity) and
 * gate_m the renormalised router probability (straight-through, router.ts). A module no token chose
 * is not run. Identity modules are skips: the residual already carries x, so they add nothing to the
 * sum (a token routed only to identity leaves the hop unchanged, as in Mixture-of-Depths) and cost 0.
 * FLOPs spent = Σ_m usage_m · flopsPerToken_m (identity 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext, NamedVariable } from '../engine/module';
import type { Initializer } from '../engine/layers/init';
import { computeLoss, loadBalanceLoss, relativeFlops, routerZLoss } from './losses';
import { createModule, DnaModule, ModuleSpec, TokenShape } from './modules';
import { Router, Routing } from './router';

export interface HopConfig extends TokenShape {
  modules: ModuleSpec[];
  k: 1 | 2;
  /** Default 1.25. */
  capacityFactor?: number;
}

export interface HopOutput {
  y: tf.Tensor3D;
  routing: Routing;
  /** Tokens each module processed. */
  usage: number[];
  /** Tokens each module dropped (capacity). */
  dropped: number[];
  /** FLOPs the modules actually spent on this batch. */
  flops: number;
}

export interface HopLosses {
  balance: tf.Scalar;
  compute: tf.Scalar;
  z: tf.Scalar;
}

export class Hop {
  readonly router: Router;
  readonly modules: DnaModule[];

  constructor(readonly id: string, readonly config: HopConfig, init: Initializer) {
    const m = config.modules.length;
    if (m < 1) throw new Error(`${id}: a hop needs at least one module`);
    this.modules = config.modules.map((spec, i) => createModule(`${id}.modules[${i}]`, spec, config, init));
    this.router = new Router(`${id}.router`, { dim: config.dim, modules: m, k: config.k, capacityFactor: config.capacityFactor ?? 1.25 }, init);
  }

  /** Call inside tf.tidy / variableGrads. */
  forward(x: tf.Tensor3D, ctx: ForwardContext): HopOutput {
    const [b, t, d] = x.shape;
    const n = b * t;
    const routing = this.router.route(tf.reshape(x, [n, d]) as tf.Tensor2D);
    let y: tf.Tensor = x;
    let flops = 0;
    this.modules.forEach((module, i) => {
      if (routing.usage[i] === 0 || module.kind === 'identity') return;
      flops += routing.usage[i] * module.flopsPerToken;
      const column = (z: tf.Tensor2D) => tf.reshape(tf.slice(z, [0, i], [n, 1]), [b, t, 1]);
      const weight = tf.mul(column(routing.gates), column(routing.dispatch));
      y = tf.add(y, tf.mul(weight, module.forward(x, ctx)));
    });
    return { y: y as tf.Tensor3D, routing, usage: routing.usage, dropped: routing.dropped, flops };
  }

  /** The router's auxiliary losses for one forward's routing. Call inside tf.tidy / variableGrads. */
  losses(routing: Routing): HopLosses {
    return {
      balance: loadBalanceLoss(routing.probs, routing.selected),
      compute: computeLoss(routing.choice, relativeFlops(this.modules.map((m) => m.flopsPerToken))),
      z: routerZLoss(routing.logits),
    };
  }

  trainable(): NamedVariable[] {
    return [...this.router.trainable(), ...this.modules.flatMap((m) => m.trainable())];
  }

  dispose(): void {
    this.router.dispose();
    for (const m of this.modules) m.dispose();
  }
}
