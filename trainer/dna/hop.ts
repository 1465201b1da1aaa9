/**
 * One routed hop over a pool, shared by `dna` (every hop, the whole pool) and `moe` (the experts of a block):
 *   y = res + Σ_m gate_m ⊙ module_m(input)
 * gate_m = the renormalised top-k probability where module m processes the token (after capacity), 0 elsewhere
 * (straight-through, router.ts). Identity modules add nothing: a token routed only there keeps `res` unchanged
 * (as in Mixture-of-Depths) at 0 FLOPs. Every other module runs on all tokens and is masked by its gate: the
 * FLOPs the run reports are the routed ones (usage · cost), which is what a sparse kernel would spend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../engine/module';
import { computeLoss, loadBalanceLoss, routerZLoss } from './losses';
import type { PoolModule } from './modules';
import type { Router, Routing } from './router';

export interface HopOutput {
  y: tf.Tensor3D;
  routing: Routing;
}

/** Weights of the router losses (losses.ts); a term with weight 0 is not computed. */
export interface RouterLossWeights {
  balance: number;
  compute: number;
  z: number;
}

/** Call inside tf.tidy / variableGrads. `input` is what the router and modules see, `res` what the outputs are added to. */
export function routedHop(res: tf.Tensor3D, input: tf.Tensor3D, router: Router, pool: PoolModule[], ctx: ForwardContext): HopOutput {
  const [b, t, d] = input.shape;
  const n = b * t;
  const routing = router.route(tf.reshape(input, [n, d]) as tf.Tensor2D, ctx);
  let y: tf.Tensor = res;
  pool.forEach((module, i) => {
    if (module.kind === 'identity') return;
    const gate = tf.reshape(tf.slice(routing.gates, [0, i], [n, 1]), [b, t, 1]);
    y = tf.add(y, tf.mul(gate, module.forward(input, ctx)));
  });
  return { y: y as tf.Tensor3D, routing };
}

/**
 * The weighted router losses of one hop's routing: balance · L_bal + compute · L_compute + z · L_z, only the terms
 * with a positive weight computed; undefined when every weight is 0. `relFlops`: each module's cost relative to the
 * largest (losses.ts). Call inside tf.tidy / variableGrads.
 */
export function routerLoss(routing: Routing, relFlops: number[], w: RouterLossWeights): tf.Scalar | undefined {
  const terms: tf.Tensor[] = [];
  if (w.balance > 0) terms.push(tf.mul(w.balance, loadBalanceLoss(routing.probs, routing.selected)));
  if (w.compute > 0) terms.push(tf.mul(w.compute, computeLoss(routing.choice, relFlops)));
  if (w.z > 0) terms.push(tf.mul(w.z, routerZLoss(routing.logits)));
  if (terms.length === 0) return undefined;
  return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
}
