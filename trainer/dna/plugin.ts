/**
 * The training-time side of routed layers (`dna`, `moe`): at each metric read of the loop, one host read of the
 * routing counters (trainer/dna/meter.ts) becomes metrics of the training record:
 * - `flopsPerSample`: the model's FLOPs per sample with the routed layers at their measured cost,
 * - `flopsShare`: that over the static bound (every hop running its k most expensive modules on every token),
 * - `droppedShare`: share of the top-k choices dropped by capacity,
 * - `identityShare`: share of the processed choices that went to identity (skip) modules.
 * The router losses themselves are added by the layers (ctx.addLoss); this plugin changes nothing in the step.
 * Alerts (on the layer, so the editor shows them there), once per layer and kind, after the first tenth of the run
 * (at most 200 steps): more than 20% of the choices dropped by capacity, or a hop sending over 90% of its tokens
 * to one module.
 * Importing this file registers the dna and moe layers with the engine (register.ts): the run assembly reaches it
 * through the routing technique (run-hooks.ts), so every run, and every command in its process, can build them.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Alert } from '../../protocol/trainer';
import type { SequentialModel } from '../engine/model';
import type { LoopPlugin, PluginFactory } from '../engine/seams';
import { flopsPerToken, type MeterReading } from './meter';
import { isRouted, type RoutedLayer } from './routed';
import './register';

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

/** The metrics of one read: `layers` the model's routed layers, `unrouted` its other layers' FLOPs per sample. */
export function routingMetrics(layers: RoutedLayer[], unrouted: number, readings: Array<MeterReading | undefined>): Record<string, number> {
  if (readings.every((r) => r === undefined)) return {};
  let flops = unrouted;
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
  return {
    flopsPerSample: flops,
    flopsShare: bound > 0 ? flops / bound : 1,
    droppedShare: choices > 0 ? dropped / choices : 0,
    identityShare: processed > 0 ? identity / processed : 0,
  };
}

/** Share of a layer's top-k choices dropped by capacity above which the run warns. */
export const DROP_ALERT = 0.2;
/** Share of a hop's tokens on one module above which the run warns (router collapse), for pools of 3 or more. */
export const COLLAPSE_ALERT = 0.9;

/** The routing problems a reading shows: too many capacity drops, a hop whose router sends (nearly) everything to one module. */
export function routingAlerts(layer: RoutedLayer, r: MeterReading | undefined, step: number): Alert[] {
  if (!r || r.tokens === 0) return [];
  const out: Alert[] = [];
  const choices = r.tokens * layer.k * layer.hops;
  const dropped = r.dropped.flat().reduce((a, b) => a + b, 0) / choices;
  if (dropped > DROP_ALERT) {
    out.push({
      kind: 'routing-drops', step, layerId: layer.id, value: dropped, threshold: DROP_ALERT, severity: 'warning',
      message: `${layer.id}: ${(100 * dropped).toFixed(0)}% of the routing choices were dropped by capacity since the last read (tokens that skip a module they chose); raise capacityFactor or balanceWeight`,
    });
  }
  if (layer.kinds.length >= 3) {
    r.usage.forEach((hop, h) => {
      const top = Math.max(...hop) / r.tokens;
      const m = hop.indexOf(Math.max(...hop));
      if (top > COLLAPSE_ALERT && !out.some((a) => a.kind === 'routing-collapse')) {
        out.push({
          kind: 'routing-collapse', step, layerId: layer.id, value: top, threshold: COLLAPSE_ALERT, severity: 'warning',
          message: `${layer.id}: hop ${h} sends ${(100 * top).toFixed(0)}% of the tokens to ${layer.labels[m]}: its router has collapsed onto one module; raise balanceWeight (or lower computeWeight when it is the skip)`,
        });
      }
    });
  }
  return out;
}

class RoutingPlugin implements LoopPlugin {
  readonly id = DNA_PLUGIN_ID;
  private readonly layers: RoutedLayer[];
  private readonly unrouted: number;
  /** Alerts already sent (layer/kind): each once per run, the metrics keep the trend. */
  private readonly alerted = new Set<string>();
  /** Routing settles during the first steps: no alerts before this step. */
  private readonly quietSteps: number;

  constructor(net: SequentialModel, totalSteps: number) {
    this.layers = routedLayers(net);
    this.unrouted = unroutedFlops(net);
    this.quietSteps = Math.min(200, Math.floor(totalSteps / 10));
  }

  trainable() { return []; }
  probes(): tf.Variable[] { return []; }
  state() { return []; }
  transform() { return undefined; }
  extraLoss() { return undefined; }
  onGradients(): void {}
  afterUpdate(): void {}

  async onRead(step: number): Promise<{ metrics: Record<string, number>; alerts: Alert[] }> {
    const readings = await Promise.all(this.layers.map((l) => l.meter.read()));
    const alerts: Alert[] = [];
    if (step >= this.quietSteps) {
      this.layers.forEach((layer, i) => {
        for (const alert of routingAlerts(layer, readings[i], step)) {
          const key = `${layer.id}/${alert.kind}`;
          if (this.alerted.has(key)) continue;
          this.alerted.add(key);
          alerts.push(alert);
        }
      });
    }
    return { metrics: routingMetrics(this.layers, this.unrouted, readings), alerts };
  }

  saveState(): unknown { return null; }
  loadState(): void {}
  dispose(): void {
    for (const l of this.layers) l.meter.reset();
  }
}

/** The plugin for a model with routed layers; undefined when it has none. */
export function routingPlugin(): PluginFactory {
  return (ctx) => new RoutingPlugin(ctx.net, ctx.totalSteps);
}
