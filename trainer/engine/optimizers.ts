/**
 * Optimizers written over tfjs ops, owning their slot variables so that checkpoints hold the whole
 * training state (tfjs's built-in optimizers have no AdamW and hide their step count).
 * One class per algorithm, a registry keyed by the model file's `optimizer.type`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerSpec, OptimizerType } from '../../spec/types';
import type { NamedVariable } from './module';
import { hasFused, OPTIMIZER_UPDATE, type OptimizerUpdateAttrs } from './fused-kernels';

export abstract class Optimizer {
  /** Number of updates applied so far (restored from checkpoints). */
  iterations = 0;
  protected readonly slots = new Map<string, tf.Variable[]>();

  constructor(protected readonly spec: OptimizerSpec) {}

  /** Names of the per-weight slots this optimizer keeps (e.g. ['m', 'v']). */
  protected abstract slotNames(): string[];

  /** Updates one weight in place. `grad` is already clipped; called inside tf.tidy. */
  protected abstract update(v: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], lr: tf.Scalar): void;

  /** The same update as attributes of the fused kernel (fused-kernels.ts), at the current iteration. */
  protected abstract fused(lr: number): OptimizerUpdateAttrs;

  /**
   * Applies one step to every weight that has a gradient; `scale` (the global-norm clip factor) multiplies every
   * gradient first. One fused kernel per weight where the backend has it (WebGPU), tfjs ops elsewhere.
   */
  apply(vars: NamedVariable[], grads: Map<string, tf.Tensor>, lr: number, scale?: tf.Scalar): void {
    this.iterations++;
    const fused = hasFused(OPTIMIZER_UPDATE);
    tf.tidy(() => {
      const lrT = fused ? undefined : tf.scalar(lr);
      const attrs = fused ? this.fused(lr) : undefined;
      const s = fused ? scale ?? tf.scalar(1) : scale;
      for (const nv of vars) {
        const g = grads.get(nv.name);
        if (!g) continue;
        const slots = this.slotsFor(nv);
        if (attrs) {
          const [m, v] = slots;
          const outs = tf.engine().runKernel(OPTIMIZER_UPDATE, { w: nv.variable, g, ...(m ? { m } : {}), ...(v ? { v } : {}), scale: s! },
            attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
          nv.variable.assign(outs[0]!);
          slots.forEach((slot, i) => slot.assign(outs[i + 1]!));
        } else {
          this.update(nv.variable, s ? tf.mul(g, s) : g, slots, lrT!);
        }
      }
    });
  }

  private slotsFor(nv: NamedVariable): tf.Variable[] {
    let s = this.slots.get(nv.name);
    if (!s) {
      s = this.slotNames().map((n) => tf.variable(tf.zerosLike(nv.variable), false, `${nv.variable.name}/${n}#${uid++}`));
      this.slots.set(nv.name, s);
    }
    return s;
  }

  /** Slot variables keyed `<weight name>/<slot>`, for checkpoints (created on demand so they all exist). */
  stateVariables(vars: NamedVariable[]): Array<{ name: string; variable: tf.Variable }> {
    const names = this.slotNames();
    return vars.flatMap((nv) => this.slotsFor(nv).map((variable, i) => ({ name: `${nv.name}/${names[i]}`, variable })));
  }

  dispose(): void {
    for (const s of this.slots.values()) for (const v of s) v.dispose();
    this.slots.clear();
  }
}

let uid = 0;

const attrs = (kind: OptimizerUpdateAttrs['kind'], lr: number, more: Partial<OptimizerUpdateAttrs> = {}): OptimizerUpdateAttrs => ({
  kind, lr, beta1: 0, beta2: 0, epsilon: 0, c1: 1, c2: 1, weightDecay: 0, decoupled: false, ...more,
});

/** Plain SGD: w -= lr·g (with optional L2 weight decay folded into the gradient). */
export class Sgd extends Optimizer {
  protected slotNames() { return []; }
  protected fused(lr: number) { return attrs('sgd', lr, { weightDecay: this.spec.weightDecay ?? 0 }); }
  protected update(v: tf.Variable, g: tf.Tensor, _s: tf.Variable[], lr: tf.Scalar) {
    const grad = this.spec.weightDecay ? tf.add(g, tf.mul(v, this.spec.weightDecay)) : g;
    v.assign(tf.sub(v, tf.mul(grad, lr)));
  }
}

/** SGD with heavy-ball momentum: m = μ·m + g; w -= lr·m. */
export class Momentum extends Optimizer {
  protected slotNames() { return ['momentum']; }
  protected fused(lr: number) { return attrs('momentum', lr, { beta1: this.spec.momentum, weightDecay: this.spec.weightDecay ?? 0 }); }
  protected update(v: tf.Variable, g: tf.Tensor, [m]: tf.Variable[], lr: tf.Scalar) {
    const grad = this.spec.weightDecay ? tf.add(g, tf.mul(v, this.spec.weightDecay)) : g;
    const m1 = tf.add(tf.mul(m, this.spec.momentum), grad);
    m.assign(m1);
    v.assign(tf.sub(v, tf.mul(m1, lr)));
  }
}

/** Adam (Kingma & Ba) with bias correction; `decoupled` makes it AdamW (Loshchilov & Hutter). */
export class Adam extends Optimizer {
  protected decoupled = false;
  protected slotNames() { return ['m', 'v']; }
  protected fused(lr: number) {
    const { beta1, beta2, epsilon, weightDecay } = this.spec;
    const t = this.iterations;
    return attrs('adam', lr, {
      beta1, beta2, epsilon, c1: 1 - Math.pow(beta1, t), c2: 1 - Math.pow(beta2, t), weightDecay: weightDecay ?? 0, decoupled: this.decoupled,
    });
  }
  protected update(w: tf.Variable, g: tf.Tensor, [m, v]: tf.Variable[], lr: tf.Scalar) {
    const { beta1, beta2, epsilon, weightDecay } = this.spec;
    const t = this.iterations;
    const grad = !this.decoupled && weightDecay ? tf.add(g, tf.mul(w, weightDecay)) : g;
    const m1 = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
    const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2));
    m.assign(m1);
    v.assign(v1);
    const c1 = 1 - Math.pow(beta1, t);
    const c2 = 1 - Math.pow(beta2, t);
    // step = lr · m̂ / (sqrt(v̂) + ε), with the bias corrections folded into scalars
    let step = tf.mul(tf.div(m1, tf.add(tf.sqrt(tf.div(v1, c2)), epsilon)), tf.div(lr, c1));
    if (this.decoupled && weightDecay) step = tf.add(step, tf.mul(w, tf.mul(lr, weightDecay)));
    w.assign(tf.sub(w, step));
  }
}

export class AdamW extends Adam {
  protected decoupled = true;
}

export const OPTIMIZERS: Record<OptimizerType, new (spec: OptimizerSpec) => Optimizer> = {
  sgd: Sgd,
  momentum: Momentum,
  adam: Adam,
  adamw: AdamW,
};

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  const C = OPTIMIZERS[spec.type];
  if (!C) throw new Error(`unknown optimizer '${spec.type}': use one of ${Object.keys(OPTIMIZERS).join(', ')}`);
  return new C(spec);
}
