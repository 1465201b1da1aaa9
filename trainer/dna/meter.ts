/**
 * Routing counters of one routed layer during training: tokens processed and dropped per hop and module, summed on
 * the device step after step (no host read), read and reset at the loop's metric reads (trainer/dna/plugin.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface MeterReading {
  tokens: number;
  /** [hop][module] tokens processed. */
  usage: number[][];
  /** [hop][module] choices dropped by capacity. */
  dropped: number[][];
}

export class RoutingMeter {
  private usage: tf.Tensor2D | undefined;
  private dropped: tf.Tensor2D | undefined;
  private tokens = 0;

  constructor(readonly hops: number, readonly modules: number) {}

  /** Adds one forward's counts: per hop, usage [M] and dropped [M] tensors (not disposed here). */
  record(tokens: number, usage: tf.Tensor1D[], dropped: tf.Tensor1D[]): void {
    const [u, d] = tf.tidy(() => {
      const u1 = tf.stack(usage) as tf.Tensor2D;
      const d1 = tf.stack(dropped) as tf.Tensor2D;
      return [this.usage ? tf.add(this.usage, u1) : u1, this.dropped ? tf.add(this.dropped, d1) : d1] as tf.Tensor2D[];
    });
    tf.dispose([this.usage, this.dropped]);
    this.usage = tf.keep(u);
    this.dropped = tf.keep(d);
    this.tokens += tokens;
  }

  /** The counts since the last read (one host read), then zero. Undefined when nothing was recorded. */
  async read(): Promise<MeterReading | undefined> {
    if (!this.usage || !this.dropped || this.tokens === 0) return undefined;
    const [u, d] = await Promise.all([this.usage.array(), this.dropped.array()]);
    const reading = { tokens: this.tokens, usage: u, dropped: d };
    this.reset();
    return reading;
  }

  reset(): void {
    tf.dispose([this.usage, this.dropped]);
    this.usage = undefined;
    this.dropped = undefined;
    this.tokens = 0;
  }
}

/** Average FLOPs per token of a reading: Σ usage · cost / tokens + the routers' cost per hop. */
export function flopsPerToken(r: MeterReading, moduleFlops: number[], routerFlops: number): number {
  let total = 0;
  for (const hop of r.usage) hop.forEach((u, m) => (total += u * moduleFlops[m]!));
  return total / r.tokens + routerFlops * r.usage.length;
}
