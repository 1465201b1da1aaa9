/**
 * The AGF kinetic utility, accumulated during training or fine-tuning as a LoopPlugin (definition and reasons:
 * docs/pruning-criteria.md). Per group, per step t from `start` on:
 *
 *   u_c(t) = mean_n mean_p |a_{n,p,c} · ∂ℓ_n/∂y_{n,p,c}|  +  λ · |Σ_{w ∈ c} g_w · Δw|
 *
 * a = the tap's output (the last layer before the consumer, `taps.ts`), y = m_c·a what the consumer reads
 * (m_c = 0 while the channel is gated, else 1), ℓ_n the loss of sample n, g the step's gradient and Δw its
 * update of the channel's kernel column and bias (the kinetic term, λ = `kinetic`, default 0). For an open channel
 * the first term is |a·∂ℓ/∂a|, the first-order loss change of removing it; for a gated one it is the first-order
 * loss change of putting it back, the loss its absence costs. With `alternate`, phases of `phase` steps alternate:
 * even phases run the full network, odd phases gate the `gateFraction` of each group with the lowest utility at
 * the phase's start. The utility is the mean of u over the last `window` steps ('sum') or its bias-corrected EMA
 * with β = 1 − 1/window ('ema').
 *
 * Every step's work stays on the device; `trajectory()` reads all groups back in one transfer.
 * Evaluation passes see the full network (no gates, no probes).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Alert } from '../../../protocol/trainer';
import type { NamedVariable } from '../../engine/module';
import type { LoopPlugin, PluginContext } from '../../engine/seams';
import type { ChannelGroup } from '../types';
import { groupTaps, type Tap } from './taps';

export interface AgfOptions {
  /** Steps the utility covers: the last `window` steps ('sum') or the EMA's horizon, β = 1 − 1/window ('ema'). */
  window: number;
  /** 'sum' (default): mean of the last `window` steps, exactly; 'ema': exponential average. */
  accumulate?: 'sum' | 'ema';
  /** Alternate full phases with gated phases (off: the utility is the accumulated Taylor term). */
  alternate: boolean;
  /** Steps per phase. */
  phase: number;
  /** Fraction of each group's channels gated in a gated phase (default 0.25; at least one channel stays open). */
  gateFraction?: number;
  /** Weight λ of the kinetic term |Σ_c g·Δw| (default 0: off). */
  kinetic?: number;
  /** First step accumulated (default 0). */
  start?: number;
}

export const AGF_PLUGIN_ID = 'pruning/agf';

interface GroupState {
  tap: Tap;
  probe: tf.Variable;
  /** 'sum': [window, C] ring of per-step terms; 'ema': [C]. */
  acc: NamedVariable;
  /** 1 = open, 0 = gated (used in gated phases only). */
  mask: NamedVariable;
  kernel?: tf.Variable;
  bias?: tf.Variable;
  /** Per step: the tap output, the Taylor term, and for the kinetic term the weights and gradients before the update. */
  stash?: tf.Tensor;
  term?: tf.Tensor;
  before: tf.Tensor[];
  grads: tf.Tensor[];
}

export class AgfTracker implements LoopPlugin {
  readonly id = AGF_PLUGIN_ID;
  private readonly groups: GroupState[];
  private readonly byTap = new Map<string, GroupState>();
  private readonly mode: 'sum' | 'ema';
  private readonly beta: number;
  private readonly start: number;
  private readonly lambda: number;
  /** Steps accumulated so far. */
  private n = 0;
  /** The step whose gated phase the masks were chosen for (-1: none yet). */
  private maskStep = -1;

  constructor(ctx: PluginContext, groupList: ChannelGroup[], readonly opts: AgfOptions) {
    if (!(Number.isInteger(opts.window) && opts.window >= 1)) throw new Error(`agf: window must be an integer ≥ 1, got ${opts.window}`);
    if (!(Number.isInteger(opts.phase) && opts.phase >= 1)) throw new Error(`agf: phase must be an integer ≥ 1, got ${opts.phase}`);
    const frac = opts.gateFraction ?? 0.25;
    if (!(frac >= 0 && frac < 1)) throw new Error(`agf: gateFraction must be in [0, 1), got ${frac}`);
    this.mode = opts.accumulate ?? 'sum';
    this.beta = 1 - 1 / opts.window;
    this.start = opts.start ?? 0;
    this.lambda = opts.kinetic ?? 0;
    const B = ctx.batchSize;
    const vars = new Map(ctx.net.trainable().map((v) => [v.name, v.variable]));
    this.groups = groupTaps(ctx.net.layers, groupList).map((tap) => {
      const C = tap.group.channels;
      const key = tap.group.id;
      const kernel = vars.get(`${tap.group.producer}/kernel`);
      if (this.lambda > 0 && !kernel) throw new Error(`agf: the model has no variable '${tap.group.producer}/kernel'`);
      const g: GroupState = {
        tap,
        probe: tf.tidy(() => tf.variable(tf.zeros([B, ...tap.shape]), true, `agf/probe/${tap.layer}#${uid++}`)),
        acc: named(`agf/${key}/utility`, 'utility', this.mode === 'sum' ? [opts.window, C] : [C], 0),
        mask: named(`agf/${key}/mask`, 'mask', [C], 1),
        kernel: this.lambda > 0 ? kernel : undefined,
        bias: this.lambda > 0 ? vars.get(`${tap.group.producer}/bias`) : undefined,
        before: [],
        grads: [],
      };
      if (this.byTap.has(tap.layer)) throw new Error(`agf: groups '${this.byTap.get(tap.layer)!.tap.group.id}' and '${key}' are read at the same layer '${tap.layer}'`);
      this.byTap.set(tap.layer, g);
      return g;
    });
  }

  /** Whether `step` is accumulated, and whether it runs gated. */
  private phaseOf(step: number): { on: boolean; gated: boolean } {
    const r = step - this.start;
    if (r < 0) return { on: false, gated: false };
    return { on: true, gated: this.opts.alternate && Math.floor(r / this.opts.phase) % 2 === 1 };
  }

  trainable(): NamedVariable[] {
    return [];
  }

  probes(): tf.Variable[] {
    return this.groups.map((g) => g.probe);
  }

  state(): NamedVariable[] {
    return this.groups.flatMap((g) => [g.acc, g.mask]);
  }

  transform(step: number, training: boolean): ((layerId: string, y: tf.Tensor) => tf.Tensor) | undefined {
    const { on, gated } = this.phaseOf(step);
    if (!training || !on) return undefined;
    if (gated && this.maskStep !== this.phaseStart(step)) this.chooseGates(step);
    return (layerId, y) => {
      const g = this.byTap.get(layerId);
      if (!g) return y;
      g.stash?.dispose();
      g.stash = tf.keep(y);
      const C = g.tap.group.channels;
      const open = gated ? tf.reshape(tf.mul(tf.reshape(y, [-1, g.tap.positions, C]), g.mask.variable), y.shape) : y;
      return tf.add(open, g.probe);
    };
  }

  extraLoss(): undefined {
    return undefined;
  }

  onGradients(step: number, grads: Map<string, tf.Tensor>, probeGrads: Map<string, tf.Tensor>): void {
    if (!this.phaseOf(step).on) return;
    for (const g of this.groups) {
      const pg = probeGrads.get(g.probe.name);
      probeGrads.delete(g.probe.name);
      const C = g.tap.group.channels;
      g.term?.dispose();
      // Σ_{n,p} |a·∂L/∂y| / P with L the batch mean = mean_n mean_p |a·∂ℓ_n/∂y|
      g.term = pg && g.stash
        ? tf.tidy(() => tf.div(tf.sum(tf.abs(tf.mul(tf.reshape(g.stash!, [-1, C]), tf.reshape(pg, [-1, C]))), 0), g.tap.positions))
        : tf.zeros([C]);
      pg?.dispose();
      g.stash?.dispose();
      g.stash = undefined;
      if (this.lambda > 0) {
        for (const v of [g.kernel, g.bias]) {
          if (!v) continue;
          const grad = grads.get(`${g.tap.group.producer}/${v === g.kernel ? 'kernel' : 'bias'}`);
          g.before.push(tf.clone(v));
          g.grads.push(grad ? tf.clone(grad) : tf.zerosLike(v));
        }
      }
    }
  }

  afterUpdate(step: number): void {
    if (!this.phaseOf(step).on) return;
    const W = this.opts.window;
    const row = this.n % W;
    for (const g of this.groups) {
      if (!g.term) continue;
      const C = g.tap.group.channels;
      const next = tf.tidy(() => {
        let u = g.term!;
        if (this.lambda > 0) {
          const vars = [g.kernel, g.bias].filter((v): v is tf.Variable => v !== undefined);
          // first-order loss change of the step's move of the channel's weights: Σ_{w∈c} g_w·Δw
          const moved = tf.addN(vars.map((v, i) => tf.sum(tf.reshape(tf.mul(g.grads[i]!, tf.sub(v, g.before[i]!)), [-1, C]), 0)));
          u = tf.add(u, tf.mul(tf.abs(moved), this.lambda));
        }
        const acc = g.acc.variable;
        if (this.mode === 'ema') return tf.add(tf.mul(acc, this.beta), tf.mul(u, 1 - this.beta));
        const hot = tf.reshape(tf.oneHot(tf.tensor1d([row], 'int32'), W), [W, 1]);
        return tf.add(tf.mul(acc, tf.sub(1, hot)), tf.mul(hot, tf.reshape(u, [1, C])));
      });
      g.acc.variable.assign(next);
      next.dispose();
      for (const t of [g.term, ...g.before, ...g.grads]) t.dispose();
      g.term = undefined;
      g.before = [];
      g.grads = [];
    }
    this.n++;
  }

  async onRead(): Promise<{ metrics: Record<string, number>; alerts: Alert[] }> {
    return { metrics: {}, alerts: [] };
  }

  saveState(): unknown {
    return { n: this.n, maskStep: this.maskStep };
  }

  loadState(state: unknown): void {
    const s = state as { n: number; maskStep: number };
    this.n = s.n;
    this.maskStep = s.maskStep;
  }

  /** Steps accumulated so far. */
  get steps(): number {
    return this.n;
  }

  /** The utility of every channel by group id (one read). Fails before the first accumulated step. */
  async trajectory(): Promise<Map<string, Float32Array>> {
    if (this.n === 0) throw new Error('agf: no training step has been accumulated yet: the tracker scores channels after fine-tuning with it');
    const packed = tf.tidy(() => tf.concat(this.groups.map((g) => this.utility(g))));
    const v = (await packed.data()) as Float32Array;
    packed.dispose();
    const out = new Map<string, Float32Array>();
    let off = 0;
    for (const g of this.groups) {
      out.set(g.tap.group.id, v.slice(off, off + g.tap.group.channels));
      off += g.tap.group.channels;
    }
    return out;
  }

  /** The open (1) / gated (0) channels of the last gated phase, by group id (one read; all 1 before the first). */
  async gates(): Promise<Map<string, Float32Array>> {
    const packed = tf.tidy(() => tf.concat(this.groups.map((g) => g.mask.variable)));
    const v = (await packed.data()) as Float32Array;
    packed.dispose();
    let off = 0;
    return new Map(this.groups.map((g) => {
      const C = g.tap.group.channels;
      off += C;
      return [g.tap.group.id, v.slice(off - C, off)];
    }));
  }

  dispose(): void {
    for (const g of this.groups) {
      for (const t of [g.probe, g.acc.variable, g.mask.variable, g.stash, g.term, ...g.before, ...g.grads]) t?.dispose();
    }
  }

  // ------------------------------------------------------------------ internals

  private phaseStart(step: number): number {
    const r = step - this.start;
    return this.start + r - (r % this.opts.phase);
  }

  /** The current utility [C] of a group (call inside tf.tidy). */
  private utility(g: GroupState): tf.Tensor {
    if (this.mode === 'ema') return tf.div(g.acc.variable, 1 - Math.pow(this.beta, this.n));
    return tf.div(tf.sum(g.acc.variable, 0), Math.max(1, Math.min(this.n, this.opts.window)));
  }

  /** On the device: gate the `gateFraction` of each group with the lowest utility now. */
  private chooseGates(step: number): void {
    const frac = this.opts.gateFraction ?? 0.25;
    for (const g of this.groups) {
      const C = g.tap.group.channels;
      const k = Math.min(C - 1, Math.floor(frac * C));
      const mask = tf.tidy(() => {
        if (k <= 0 || this.n === 0) return tf.ones([C]);
        const { indices } = tf.topk(tf.neg(this.utility(g)), k);
        return tf.sub(1, tf.sum(tf.oneHot(indices, C), 0));
      });
      g.mask.variable.assign(mask);
      mask.dispose();
    }
    this.maskStep = this.phaseStart(step);
  }
}

function named(name: string, role: string, shape: number[], value: number): NamedVariable {
  return { name, layerId: 'agf', role, variable: tf.tidy(() => tf.variable(tf.fill(shape, value), false, `${name}#${uid++}`)) };
}

let uid = 0;

/** The plugin factory; the tracker is then `loop.plugins.find((p) => p.id === AGF_PLUGIN_ID) as AgfTracker`. */
export function agfTracker(groups: ChannelGroup[], opts: AgfOptions): (ctx: PluginContext) => AgfTracker {
  return (ctx) => new AgfTracker(ctx, groups, opts);
}
