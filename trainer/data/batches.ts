/**
 * Batches for the training loop, from host memory into preallocated host buffers.
 *
 * - Order: epoch `e` visits the samples in `permutation(n, seed, e)`, a pure function of
 *   (n, seed, epoch). A run resumed at (epoch, step) therefore sees exactly the batches an
 *   uninterrupted run would have seen: no RNG state needs to be checkpointed.
 * - Training drops the last partial batch (every step has the same batch size, so step counts,
 *   LR schedules and tensor shapes stay fixed); the dropped samples differ each epoch, so none is
 *   left out for good. Evaluation keeps the last partial batch so every sample is counted once.
 */
import { DataError } from './errors';
import { deriveSeed, shuffledIndices } from './rng';
import type { Split } from './types';

/** The visiting order of epoch `epoch`: a permutation of 0..n-1 determined by (seed, epoch). */
export function permutation(n: number, seed: number, epoch: number): Uint32Array<ArrayBuffer> {
  return shuffledIndices(n, deriveSeed(seed, 'epoch', epoch));
}

/** Number of batches in one epoch: floor(n / batchSize) when dropping the partial batch, else ceil. */
export function stepsPerEpoch(n: number, batchSize: number, dropLast = true): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new DataError(`batch size must be a positive integer, got ${batchSize}.`);
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** The sample indices of batch `batchIndex` (a view into `perm`; the last one may be shorter). */
export function batchIndices(perm: Uint32Array, batchIndex: number, batchSize: number): Uint32Array {
  const start = batchIndex * batchSize;
  return perm.subarray(start, Math.min(start + batchSize, perm.length));
}

/** Host buffers for one batch: x is batchSize × sampleSize, y is batchSize × labelWidth(tasks) (data/positions.ts). */
export interface BatchBuffers {
  x: Float32Array;
  y: Int32Array;
}

export interface Batch extends BatchBuffers {
  /** Samples in this batch (x and y hold exactly `size` rows). */
  size: number;
}

/** Values per sample and label columns per sample (labelWidth of its tasks) of a split, read off its arrays. */
export function splitStrides(split: Split): { sampleSize: number; labelWidth: number } {
  if (split.n === 0) return { sampleSize: 0, labelWidth: 0 };
  return { sampleSize: split.x.length / split.n, labelWidth: split.y.length / split.n };
}

/** Buffers for batches of up to `batchSize` samples of `split`. */
export function allocBatch(split: Split, batchSize: number): BatchBuffers {
  const { sampleSize, labelWidth: w } = splitStrides(split);
  return { x: new Float32Array(batchSize * sampleSize), y: new Int32Array(batchSize * w) };
}

/**
 * Copies the samples `indices` of `split` into `out` (allocated when absent). When `out` is larger
 * than the batch, the result's x/y are views of its first rows; otherwise they are `out`'s arrays.
 */
export function gatherBatch(split: Split, indices: ArrayLike<number>, out?: BatchBuffers): Batch {
  const { sampleSize, labelWidth: w } = splitStrides(split);
  const size = indices.length;
  const buf = out ?? { x: new Float32Array(size * sampleSize), y: new Int32Array(size * w) };
  if (buf.x.length < size * sampleSize || buf.y.length < size * w) {
    throw new Error(`gatherBatch: buffers hold ${buf.x.length / Math.max(sampleSize, 1)} samples, batch has ${size}`);
  }
  for (let r = 0; r < size; r++) {
    const src = indices[r];
    if (src >= split.n) throw new Error(`gatherBatch: index ${src} out of range (split has ${split.n} samples)`);
    const from = src * sampleSize;
    buf.x.set(split.x.subarray(from, from + sampleSize), r * sampleSize);
    buf.y.set(split.y.subarray(src * w, (src + 1) * w), r * w);
  }
  const full = buf.x.length === size * sampleSize && buf.y.length === size * w;
  return full ? { x: buf.x, y: buf.y, size } : { x: buf.x.subarray(0, size * sampleSize), y: buf.y.subarray(0, size * w), size };
}

export interface BatchIteratorOptions {
  batchSize: number;
  /** The run's seed (train.seed); with the epoch it fixes the order. */
  seed: number;
  /** Shuffle each epoch (default true); false visits samples in order. */
  shuffle?: boolean;
  /** Drop the last partial batch (default true: training). */
  dropLast?: boolean;
}

export interface TrainBatch extends Batch {
  epoch: number;
  /** Batch index within the epoch. */
  step: number;
}

/**
 * Endless, resumable training batches over one split, reusing one pair of buffers: the returned
 * arrays are overwritten by the next call to `next()`.
 */
export class BatchIterator {
  readonly stepsPerEpoch: number;
  private readonly buffers: BatchBuffers;
  private epoch = 0;
  private step = 0;
  private perm: Uint32Array | undefined;
  private permEpoch = -1;

  constructor(private readonly split: Split, private readonly opts: BatchIteratorOptions) {
    this.stepsPerEpoch = stepsPerEpoch(split.n, opts.batchSize, opts.dropLast ?? true);
    if (this.stepsPerEpoch === 0) {
      throw new DataError(
        `the training split has ${split.n} samples, fewer than one batch of ${opts.batchSize}; lower train.batchSize or add data.`,
      );
    }
    this.buffers = allocBatch(split, opts.batchSize);
  }

  /** Where the next batch comes from. */
  get position(): { epoch: number; step: number } {
    return { epoch: this.epoch, step: this.step };
  }

  /** Continue from batch `step` of epoch `epoch` (for resuming a checkpoint). */
  seek(epoch: number, step = 0): void {
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(step) || step < 0) {
      throw new Error(`BatchIterator.seek: bad position (${epoch}, ${step})`);
    }
    this.epoch = epoch + Math.floor(step / this.stepsPerEpoch);
    this.step = step % this.stepsPerEpoch;
  }

  /** Continue from the `globalStep`-th batch since the start of training. */
  seekGlobal(globalStep: number): void {
    this.seek(0, globalStep);
  }

  /** The visiting order of an epoch under these options. */
  order(epoch: number): Uint32Array {
    if (this.permEpoch !== epoch || this.perm === undefined) {
      if (this.opts.shuffle ?? true) {
        this.perm = permutation(this.split.n, this.opts.seed, epoch);
      } else {
        this.perm = new Uint32Array(this.split.n);
        for (let i = 0; i < this.split.n; i++) this.perm[i] = i;
      }
      this.permEpoch = epoch;
    }
    return this.perm;
  }

  next(): TrainBatch {
    const epoch = this.epoch;
    const step = this.step;
    const idx = batchIndices(this.order(epoch), step, this.opts.batchSize);
    const batch = gatherBatch(this.split, idx, this.buffers);
    if (++this.step >= this.stepsPerEpoch) {
      this.step = 0;
      this.epoch++;
    }
    return { ...batch, epoch, step };
  }
}

/** In-order evaluation batches covering every sample once (the last may be partial), reusing `out`. */
export function* evalBatches(split: Split, batchSize: number, out: BatchBuffers = allocBatch(split, batchSize)): Generator<Batch> {
  const steps = stepsPerEpoch(split.n, batchSize, false);
  const idx = new Uint32Array(batchSize);
  for (let b = 0; b < steps; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, split.n - start);
    for (let i = 0; i < size; i++) idx[i] = start + i;
    yield gatherBatch(split, idx.subarray(0, size), out);
  }
}
