/**
 * The `dna` layer (seed 003): a pool of modules shared by all hops and one router per hop. At hop h every token
 * goes through the top-k modules its router picks (capacity per module, router.ts) and the results are added to
 * its residual stream (hop.ts); a token may visit the same module at several hops, or skip hops through identity
 * modules. Auxiliary losses (averaged over hops, weighted by the layer's config): Switch load balance, compute
 * (relative FLOPs of the routed modules; identity free) and router z-loss, added through ctx.addLoss in training.
 * Ids: pool modules `<id>.attn0`, `<id>.mlp0`, `<id>.skip`; routers `<id>.router[h]` (weights `<id>.router[h].logits/kernel`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { dnaPool, type DnaModuleKind } from '../../spec/layers/dna';
import type { DnaConfig, LayerNode } from '../../spec/types';
import { ForwardContext, Module } from '../engine/module';
import type { Initializer } from '../engine/layers/init';
import { routedHop, routerLoss, type RouterLossWeights } from './hop';
import { relativeFlops } from './losses';
import { RoutingMeter } from './meter';
import { createPoolModule, moduleLabels, PoolModule } from './modules';
import { RoutedModule, type RoutedLayer } from './routed';
import { Router } from './router';

export class DnaLayer extends RoutedModule implements RoutedLayer {
  readonly routed = true;
  readonly config: DnaConfig;
  readonly pool: PoolModule[];
  readonly routers: Router[];
  readonly kinds: DnaModuleKind[];
  readonly labels: string[];
  readonly moduleFlops: number[];
  readonly moduleParams: number[];
  readonly routerFlops: number;
  readonly fixedFlopsPerToken = 0;
  readonly meter: RoutingMeter;
  readonly tokensPerSample: number;
  trace: tf.Tensor2D[] | undefined;
  private readonly relFlops: number[];
  private readonly lossWeights: RouterLossWeights;

  constructor(node: LayerNode<'dna'>, init: Initializer) {
    super(node);
    const c = node.config;
    this.config = c;
    const [t, d] = node.inputShape;
    this.tokensPerSample = t;
    this.kinds = dnaPool(c);
    this.labels = moduleLabels(this.kinds);
    const shape = { seqLen: t, dim: d, heads: c.heads, mlpRatio: c.mlpRatio, causal: c.causal };
    this.pool = this.kinds.map((kind, i) => createPoolModule(`${node.id}.${this.labels[i]}`, kind, shape, init, node.range));
    this.routers = Array.from({ length: c.hops }, (_, h) =>
      new Router(`${node.id}.router[${h}]`, { dim: d, modules: this.pool.length, k: c.k, capacityFactor: c.capacityFactor }, init, node.range));
    this.moduleFlops = this.pool.map((m) => m.flopsPerToken);
    this.moduleParams = this.pool.map((m) => m.node.params);
    this.routerFlops = this.routers[0]!.flopsPerToken;
    this.relFlops = relativeFlops(this.moduleFlops);
    this.lossWeights = { balance: c.balanceWeight, compute: c.computeWeight, z: c.zWeight };
    this.meter = new RoutingMeter(c.hops, this.pool.length);
  }

  get hops(): number {
    return this.config.hops;
  }

  get k(): number {
    return this.config.k;
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    let h = x as tf.Tensor3D;
    const usage: tf.Tensor1D[] = [];
    const dropped: tf.Tensor1D[] = [];
    const losses: tf.Scalar[] = [];
    for (const router of this.routers) {
      const { y, routing } = routedHop(h, h, router, this.pool, ctx);
      if (this.trace) this.trace.push(tf.keep(tf.concat([routing.dispatch, routing.selected], 1) as tf.Tensor2D));
      if (ctx.training) {
        usage.push(routing.usage);
        dropped.push(routing.dropped);
      }
      const loss = ctx.addLoss && routerLoss(routing, this.relFlops, this.lossWeights);
      if (loss) losses.push(loss);
      h = y;
    }
    if (ctx.training) this.meter.record(x.shape[0]! * this.tokensPerSample, usage, dropped);
    // the mean over hops of each hop's weighted losses
    if (ctx.addLoss && losses.length > 0) ctx.addLoss(tf.div(tf.addN(losses), losses.length) as tf.Scalar);
    return h;
  }

  children(): Module[] {
    return [...this.routers, ...this.pool];
  }
}
