/**
 * The training-time side of routed layers (`dna`, `moe`): at each metric read of the loop, one host read of the
 * routing counters (trainer/dna/meter.ts) becomes metrics of the training record:
 * - `flopsPerSample`: the model's FLOPs per sample with the routed layers at their measured cost,
 * - `flopsShare`: that over the static bound (every hop running its k most expensive modules on every token),
 * - `droppedShare`: share of the top-k choices dropped by capacity,
 * - `identityShare`: share of the processed choices that went to identity (skip) modules.
 * The router losses themselves are added by the layers (ctx.addLoss); this plugin changes nothing in the step.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { SequentialModel } from '../engine/model';
import type { LoopPlugin, PluginFactory } from '../engine/seams';
import { flopsPerToken, type MeterReading } from './meter';
import { isRouted, type RoutedLayer } from './routed';

export const DNA_PLUGIN_ID = 'dna';

export function routedLayers(net: SequentialModel): RoutedLayer[] {
  return net.allModules().filter(isRouted);
}

/** FLOPs per sample of everything that is not a routed layer (static). */
export function unroutedFlops(net: SequentialModel): number {
  const all = net.layers.reduce((s, n) => s + n.flops, 0);
  return all - routedLayers(net).reduce((s, l) => s + l.node.flops, 0);
}

/** Per-sample FLOPs of a routed layer at a measured per-token cost of its routed part. */
export function layerFlopsPerSample(layer: RoutedLayer, routedPerToken: number): number {
  return layer.tokensPerSample * (layer.fixedFlopsPerToken + routedPerToken);
}

export function routingMetrics(net: SequentialModel, readings: Array<MeterReading | undefined>): Record<string, number> {
  const layers = routedLayers(net);
  let flops = unroutedFlops(net);
  let bound = flops;
  let choices = 0, dropped = 0, processed = 0, identity = 0;
  layers.forEach((layer, i) => {
    bound += layer.node.flops;
    const r = readings[i];
    if (!r) return;
    flops += layerFlopsPerSample(layer, flopsPerToken(r, layer.moduleFlops, layer.routerFlops));
    choices += r.tokens * layer.k * layer.hops;
    for (const hop of r.dropped) for (const d of hop) dropped += d;
    for (const hop of r.usage) hop.forEach((u, m) => {
      processed += u;
      if (layer.kinds[m] === 'identity') identity += u;
    });
  });
  if (readings.every((r) => r === undefined)) return {};
  return {
    flopsPerSample: flops,
    flopsShare: bound > 0 ? flops / bound : 1,
    droppedShare: choices > 0 ? dropped / choices : 0,
    identityShare: processed > 0 ? identity / processed : 0,
  };
}

class RoutingPlugin implements LoopPlugin {
  readonly id = DNA_PLUGIN_ID;
  private readonly layers: RoutedLayer[];

  constructor(private readonly net: SequentialModel) {
    this.layers = routedLayers(net);
  }

  trainable() { return []; }
  probes(): tf.Variable[] { return []; }
  state() { return []; }
  transform() { return undefined; }
  extraLoss() { return undefined; }
  onGradients(): void {}
  afterUpdate(): void {}

  async onRead(): Promise<{ metrics: Record<string, number>; alerts: [] }> {
    const readings = await Promise.all(this.layers.map((l) => l.meter.read()));
    return { metrics: routingMetrics(this.net, readings), alerts: [] };
  }

  saveState(): unknown { return null; }
  loadState(): void {}
  dispose(): void {
    for (const l of this.layers) l.meter.reset();
  }
}

/** The plugin for a model with routed layers; undefined when it has none. */
export function routingPlugin(): PluginFactory {
  return (ctx) => new RoutingPlugin(ctx.net);
}
