/**
 * The `moe` layer: the standard top-k mixture-of-experts transformer block, the baseline `dna` is compared with:
 *   h = x + attn(LN1(x));  y = h + Σ_e gate_e ⊙ expert_e(LN2(h))
 * Experts are MLPs (dense(expertRatio·D, gelu) → dense(D)) behind one router (top-k, capacity; router.ts, hop.ts).
 * Losses: load balance and z-loss (every expert costs the same, so there is no compute loss).
 * Ids: `<id>.ln1`, `<id>.attn`, `<id>.ln2`, `<id>.router`, `<id>.expert[e]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionFlops } from '../../spec/layers/attention';
import type { DnaModuleKind } from '../../spec/layers/dna';
import type { LayerNode, MoeConfig } from '../../spec/types';
import { ForwardContext, Module } from '../engine/module';
import { Attention } from '../engine/layers/attention';
import { callModule } from '../engine/layers/call';
import type { Initializer } from '../engine/layers/init';
import { LayerNorm } from '../engine/layers/layerNorm';
import { subNode } from '../engine/layers/sub-node';
import { TRANSFORMER_LN_EPSILON } from '../engine/layers/transformer';
import { routedHop, routerLoss } from './hop';
import { RoutingMeter } from './meter';
import { MlpModule } from './modules';
import { RoutedModule, type RoutedLayer } from './routed';
import { Router } from './router';

export class MoeLayer extends RoutedModule implements RoutedLayer {
  readonly routed = true;
  readonly hops = 1;
  readonly config: MoeConfig;
  readonly ln1: LayerNorm;
  readonly attn: Attention;
  readonly ln2: LayerNorm;
  readonly router: Router;
  readonly experts: MlpModule[];
  readonly kinds: DnaModuleKind[];
  readonly labels: string[];
  readonly moduleFlops: number[];
  readonly moduleParams: number[];
  readonly routerFlops: number;
  readonly fixedFlopsPerToken: number;
  readonly meter: RoutingMeter;
  readonly tokensPerSample: number;
  trace: tf.Tensor2D[] | undefined;

  constructor(node: LayerNode<'moe'>, init: Initializer) {
    super(node);
    const c = node.config;
    this.config = c;
    const [t, d] = node.inputShape;
    const seq = [t, d];
    const norm = { epsilon: TRANSFORMER_LN_EPSILON, momentum: 0 };
    this.tokensPerSample = t;
    this.ln1 = new LayerNorm(subNode(`${node.id}.ln1`, 'layerNorm', norm, seq, seq, 2 * d, 8 * t * d, node.range), init);
    this.attn = new Attention(subNode(`${node.id}.attn`, 'attention', { heads: c.heads, causal: c.causal, dropout: 0 }, seq, seq, 0, 0, node.range), init);
    this.ln2 = new LayerNorm(subNode(`${node.id}.ln2`, 'layerNorm', norm, seq, seq, 2 * d, 8 * t * d, node.range), init);
    this.router = new Router(`${node.id}.router`, { dim: d, modules: c.experts, k: c.k, capacityFactor: c.capacityFactor }, init, node.range);
    const shape = { seqLen: t, dim: d, heads: c.heads, mlpRatio: c.expertRatio, causal: c.causal };
    this.experts = Array.from({ length: c.experts }, (_, e) => new MlpModule(`${node.id}.expert[${e}]`, shape, init, node.range, false));
    this.kinds = this.experts.map(() => 'mlp');
    this.labels = this.experts.map((_, e) => `e${e}`);
    this.moduleFlops = this.experts.map((e) => e.flopsPerToken);
    this.moduleParams = this.experts.map((e) => e.children().reduce((s, m) => s + m.node.params, 0));
    this.routerFlops = this.router.flopsPerToken;
    this.fixedFlopsPerToken = attentionFlops(t, d, c.heads) / t + 2 * 8 * d + d;
    this.meter = new RoutingMeter(1, c.experts);
  }

  get k(): number {
    return this.config.k;
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const c = this.config;
    const h = tf.add(x, callModule(this.attn, callModule(this.ln1, x, ctx), ctx)) as tf.Tensor3D;
    const normed = callModule(this.ln2, h, ctx) as tf.Tensor3D;
    const { y, routing } = routedHop(h, normed, this.router, this.experts, ctx);
    if (this.trace) this.trace.push(tf.keep(tf.concat([routing.dispatch, routing.selected], 1) as tf.Tensor2D));
    if (ctx.training) this.meter.record(x.shape[0]! * this.tokensPerSample, [routing.usage], [routing.dropped]);
    const loss = ctx.addLoss && routerLoss(routing, [], { balance: c.balanceWeight, compute: 0, z: c.zWeight });
    if (loss) ctx.addLoss!(loss);
    return y;
  }

  children(): Module[] {
    return [this.ln1, this.attn, this.ln2, this.router, ...this.experts];
  }
}
