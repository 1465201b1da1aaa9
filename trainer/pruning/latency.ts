/**
 * Inference latency of a net (seed 002: "the pruned CNN is physically smaller and faster on the CPU"). Times forward
 * passes in evaluation mode on one fixed input batch; every timed iteration ends with a host read of the output
 * (`await y.data()`), so on async backends (webgl, webgpu) the time includes the execution, not only the dispatch.
 *
 * Absolute numbers depend on the machine, the backend, the thread count and whatever else runs: compare nets only
 * side by side, in one process, on the same backend, with the same batch size. `compareLatency` does that and
 * interleaves the nets iteration by iteration so slow drifts (thermal throttling, other load) hit both alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../engine/module';

/** Anything with a forward pass (SequentialModel, a pruned copy). */
export interface LatencyNet {
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
}

export interface LatencyOptions {
  batchSize: number;
  /** Untimed iterations first (kernel compilation, allocator warm-up). */
  warmup: number;
  /** Timed iterations. */
  iterations: number;
  /** Input batch [batchSize, ...sampleShape] to use instead of uniform [0, 1) values (e.g. token ids for an embedding). Not disposed. */
  input?: tf.Tensor;
  /** Forward context (default: evaluation, step 0). */
  ctx?: ForwardContext;
  /** Milliseconds clock (default performance.now), injectable for tests. */
  now?: () => number;
}

export interface LatencyStats {
  /** Median milliseconds per forward pass of one batch. */
  msPerBatch: number;
  msPerSample: number;
  samplesPerSec: number;
  /** 10th and 90th percentiles of the per-batch times (ms). */
  p10: number;
  p90: number;
  batchSize: number;
  iterations: number;
  backend: string;
}

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = Math.min(n - 1, Math.max(0, q * (n - 1)));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Summary of per-batch times (ms). */
export function latencyStats(times: number[], batchSize: number, backend = tf.getBackend()): LatencyStats {
  const s = [...times].sort((a, b) => a - b);
  const median = quantile(s, 0.5);
  // a clock coarser than one pass can read 0: report it as such rather than an infinite throughput
  const perSec = median > 0 ? (1000 * batchSize) / median : Infinity;
  return { msPerBatch: median, msPerSample: median / batchSize, samplesPerSec: perSec, p10: quantile(s, 0.1), p90: quantile(s, 0.9), batchSize, iterations: times.length, backend };
}

function checkOptions(opts: LatencyOptions): void {
  for (const k of ['batchSize', 'iterations'] as const) {
    if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new Error(`latency: ${k} must be a positive integer, got ${opts[k]}`);
  }
  if (!Number.isInteger(opts.warmup) || opts.warmup < 0) throw new Error(`latency: warmup must be a non-negative integer, got ${opts.warmup}`);
}

function makeInput(sampleShape: number[], opts: LatencyOptions): tf.Tensor {
  if (opts.input) {
    const want = [opts.batchSize, ...sampleShape];
    if (opts.input.shape.join(',') !== want.join(',')) throw new Error(`latency: input shape [${opts.input.shape}] is not [${want}]`);
    return opts.input;
  }
  return tf.randomUniform([opts.batchSize, ...sampleShape], 0, 1, 'float32', 7);
}

/** One forward pass ending with a host read; returns its milliseconds. */
async function timedPass(net: LatencyNet, x: tf.Tensor, ctx: ForwardContext, now: () => number): Promise<number> {
  const t0 = now();
  const y = tf.tidy(() => net.forward(x, ctx));
  try {
    await y.data();
  } finally {
    y.dispose();
  }
  return now() - t0;
}

/** Median (and spread) time of a forward pass of `net` on a batch of `sampleShape` inputs. */
export async function measureLatency(net: LatencyNet, sampleShape: number[], opts: LatencyOptions): Promise<LatencyStats> {
  return (await compareLatency({ net }, sampleShape, opts)).net!;
}

/**
 * Several nets measured side by side on one shared input: warm-up for each, then every iteration times each net
 * once, in turn (rotating the order so none always runs first). Returns the stats by name.
 */
export async function compareLatency<K extends string>(nets: Record<K, LatencyNet>, sampleShape: number[], opts: LatencyOptions): Promise<Record<K, LatencyStats>> {
  checkOptions(opts);
  const names = Object.keys(nets) as K[];
  const now = opts.now ?? (() => performance.now());
  const ctx: ForwardContext = opts.ctx ?? { training: false, step: 0 };
  const x = makeInput(sampleShape, opts);
  const times = new Map<K, number[]>(names.map((k) => [k, []]));
  try {
    for (const k of names) for (let i = 0; i < opts.warmup; i++) await timedPass(nets[k], x, ctx, now);
    for (let i = 0; i < opts.iterations; i++) {
      for (let j = 0; j < names.length; j++) {
        const k = names[(i + j) % names.length]!;
        times.get(k)!.push(await timedPass(nets[k], x, ctx, now));
      }
    }
  } finally {
    if (x !== opts.input) x.dispose();
  }
  const backend = tf.getBackend();
  const out = {} as Record<K, LatencyStats>;
  for (const k of names) out[k] = latencyStats(times.get(k)!, opts.batchSize, backend);
  return out;
}
