/** What the trainer needs from a layer with routers (`dna`, `moe`): its pool, costs, counters and a trace switch. */
import type * as tf from '@tensorflow/tfjs-core';
import type { DnaModuleKind } from '../../spec/layers/dna';
import { Module, type NamedVariable } from '../engine/module';
import type { RoutingMeter } from './meter';

export interface RoutedLayer extends Module {
  readonly routed: true;
  readonly hops: number;
  readonly k: number;
  readonly tokensPerSample: number;
  readonly kinds: DnaModuleKind[];
  readonly labels: string[];
  /** Per pool module: FLOPs per token it processes. */
  readonly moduleFlops: number[];
  /** Per pool module: parameters. */
  readonly moduleParams: number[];
  /** Router FLOPs per token per hop. */
  readonly routerFlops: number;
  /** FLOPs per token the layer spends whatever the routing (the MoE block's attention); 0 for dna. */
  readonly fixedFlopsPerToken: number;
  /** Training-time counters (trainer/dna/plugin.ts reads them). */
  readonly meter: RoutingMeter;
  /** When an array, forward appends each hop's [dispatch | selected] ([N, 2M], tf.keep'd; the owner disposes them). */
  trace: tf.Tensor2D[] | undefined;
}

export function isRouted(m: Module): m is RoutedLayer {
  return (m as Partial<RoutedLayer>).routed === true;
}

/** The container part both routed layers share: their weights are their children's; dispose also clears the meter. */
export abstract class RoutedModule extends Module {
  abstract readonly meter: RoutingMeter;

  override trainable(): NamedVariable[] {
    return this.children().flatMap((m) => m.trainable());
  }

  override dispose(): void {
    for (const c of this.children()) c.dispose();
    this.meter.reset();
  }
}
