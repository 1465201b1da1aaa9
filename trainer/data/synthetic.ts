/**
 * Seeded synthetic datasets; the same seed always gives the same samples. No files needed, so the
 * `synthetic` source is the embedded default for demos.
 *
 * - `blobs`: `classes` Gaussian clusters in `features` dims. Centres lie on a sphere of radius 2.5,
 *   noise is N(0, 1) per dim: neighbouring clusters overlap, so accuracy tops out near 90%.
 * - `two-task`: the ground-truth modular set. x = [a | b], each half `features/2` dims. Each half
 *   is drawn around one of `2·classes` prototypes; its label is the index of the *nearest*
 *   prototype modulo `classes` (so a pure, non-linear function of that half). Task `left` labels
 *   half a, task `right` labels half b; y has two columns [left, right]. Halves are independent.
 * - `sequence`: T = `features` tokens (default 16) over a vocabulary of 32, stored as float token
 *   ids, sampleShape [T]. Token t falls in bucket floor(t·classes/32). Label = the bucket holding
 *   the most tokens (ties → the smallest bucket id). Each sequence favours one random bucket
 *   (35% of its tokens), so classes are balanced and the majority usually, not always, wins.
 */
import type { SyntheticKind } from '../../spec/types';
import { DataError } from './errors';
import type { RawData } from './loader';
import { Rng, deriveSeed } from './rng';

export const SYNTHETIC_DEFAULTS = { samples: 4096, classes: 4, features: 32, sequenceLength: 16, vocab: 32 };
const RADIUS = 2.5;

export interface SyntheticOptions {
  kind: SyntheticKind;
  samples?: number;
  classes?: number;
  /** Input dims (blobs, two-task: both halves together) or sequence length. */
  features?: number;
  seed?: number;
}

function positiveInt(v: number, what: string, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new DataError(`synthetic data: data.${what} must be an integer ≥ ${min}, got ${v}.`);
  return v;
}

/** `count` points of `dims` coordinates, each a random direction scaled to `radius`. */
function sphere(rng: Rng, count: number, dims: number, radius: number): Float32Array {
  const out = new Float32Array(count * dims);
  for (let k = 0; k < count; k++) {
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      const v = rng.normal();
      out[k * dims + d] = v;
      norm += v * v;
    }
    const s = radius / Math.sqrt(norm || 1);
    for (let d = 0; d < dims; d++) out[k * dims + d] *= s;
  }
  return out;
}

function blobs(n: number, classes: number, dims: number, seed: number): Pick<RawData, 'sampleShape' | 'tasks'> & { x: Float32Array; y: Int32Array } {
  const rng = new Rng(deriveSeed(seed, 'blobs'));
  const centres = sphere(rng, classes, dims, RADIUS);
  const x = new Float32Array(n * dims);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    for (let d = 0; d < dims; d++) x[i * dims + d] = centres[c * dims + d] + rng.normal();
  }
  return { x, y, sampleShape: [dims], tasks: [{ name: 'label', classes }] };
}

/** The labelling rule of one two-task half: nearest prototype index, modulo `classes`. */
export function nearestPrototypeLabel(half: ArrayLike<number>, offset: number, prototypes: Float32Array, dims: number, classes: number): number {
  let best = 0;
  let bestDist = Infinity;
  for (let p = 0; p * dims < prototypes.length; p++) {
    let dist = 0;
    for (let d = 0; d < dims; d++) {
      const diff = half[offset + d] - prototypes[p * dims + d];
      dist += diff * diff;
    }
    if (dist < bestDist) { bestDist = dist; best = p; }
  }
  return best % classes;
}

export interface TwoTaskTruth {
  half: number;
  classes: number;
  /** 2·classes prototypes per half, row-major [prototype, dim]. */
  left: Float32Array;
  right: Float32Array;
  /** Ground-truth labels of a sample: left from x[0..half), right from x[half..2·half). */
  labelLeft(x: ArrayLike<number>, offset?: number): number;
  labelRight(x: ArrayLike<number>, offset?: number): number;
}

/** The prototypes and labelling functions of the two-task set for a seed (no samples). */
export function twoTaskTruth(classes: number, features: number, seed: number): TwoTaskTruth {
  const half = features / 2;
  const rng = new Rng(deriveSeed(seed, 'two-task', 'prototypes'));
  const left = sphere(rng, 2 * classes, half, RADIUS);
  const right = sphere(rng, 2 * classes, half, RADIUS);
  return {
    half, classes, left, right,
    labelLeft: (x, offset = 0) => nearestPrototypeLabel(x, offset, left, half, classes),
    labelRight: (x, offset = 0) => nearestPrototypeLabel(x, offset + half, right, half, classes),
  };
}

function twoTask(n: number, classes: number, features: number, seed: number) {
  if (features % 2 !== 0) throw new DataError(`synthetic two-task: data.features must be even (two equal halves), got ${features}.`);
  const truth = twoTaskTruth(classes, features, seed);
  const half = truth.half;
  const rng = new Rng(deriveSeed(seed, 'two-task', 'samples'));
  const x = new Float32Array(n * features);
  const y = new Int32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const base = i * features;
    const pa = rng.int(2 * classes);
    const pb = rng.int(2 * classes);
    for (let d = 0; d < half; d++) {
      x[base + d] = truth.left[pa * half + d] + rng.normal();
      x[base + half + d] = truth.right[pb * half + d] + rng.normal();
    }
    y[2 * i] = truth.labelLeft(x, base);
    y[2 * i + 1] = truth.labelRight(x, base);
  }
  return { x, y, sampleShape: [features], tasks: [{ name: 'left', classes }, { name: 'right', classes }] };
}

/** The `sequence` label: majority token bucket, ties to the smallest bucket id. */
export function sequenceLabel(tokens: ArrayLike<number>, offset: number, length: number, classes: number, vocab = SYNTHETIC_DEFAULTS.vocab): number {
  const counts = new Int32Array(classes);
  for (let t = 0; t < length; t++) counts[Math.floor((tokens[offset + t] * classes) / vocab)]++;
  let best = 0;
  for (let c = 1; c < classes; c++) if (counts[c] > counts[best]) best = c;
  return best;
}

function sequence(n: number, classes: number, length: number, seed: number) {
  const vocab = SYNTHETIC_DEFAULTS.vocab;
  if (classes > vocab) throw new DataError(`synthetic sequence: data.classes must be ≤ ${vocab} (the vocabulary), got ${classes}.`);
  const rng = new Rng(deriveSeed(seed, 'sequence'));
  const x = new Float32Array(n * length);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const favoured = rng.int(classes);
    const lo = Math.ceil((favoured * vocab) / classes);
    const hi = Math.ceil(((favoured + 1) * vocab) / classes);
    for (let t = 0; t < length; t++) {
      x[i * length + t] = rng.next() < 0.35 ? lo + rng.int(hi - lo) : rng.int(vocab);
    }
    y[i] = sequenceLabel(x, i * length, length, classes, vocab);
  }
  return { x, y, sampleShape: [length], tasks: [{ name: 'label', classes }] };
}

/** Generates one synthetic dataset as raw (unsplit) data. */
export function generateSynthetic(opts: SyntheticOptions): RawData {
  const kind = opts.kind;
  const n = positiveInt(opts.samples ?? SYNTHETIC_DEFAULTS.samples, 'samples', 1);
  const classes = positiveInt(opts.classes ?? SYNTHETIC_DEFAULTS.classes, 'classes', 2);
  const seed = opts.seed ?? 0;
  const origin = `synthetic ${kind} generator (seed ${seed})`;
  let gen: Pick<RawData, 'sampleShape' | 'tasks'> & { x: Float32Array; y: Int32Array };
  if (kind === 'blobs') {
    gen = blobs(n, classes, positiveInt(opts.features ?? SYNTHETIC_DEFAULTS.features, 'features', 1), seed);
  } else if (kind === 'two-task') {
    gen = twoTask(n, classes, positiveInt(opts.features ?? SYNTHETIC_DEFAULTS.features, 'features', 2), seed);
  } else if (kind === 'sequence') {
    gen = sequence(n, classes, positiveInt(opts.features ?? SYNTHETIC_DEFAULTS.sequenceLength, 'features', 1), seed);
  } else {
    throw new DataError(`synthetic data: unknown data.kind '${String(kind)}'; use blobs, two-task or sequence.`);
  }
  return {
    name: `synthetic ${kind} (seed ${seed}, ${n} samples, ${classes} classes)`,
    sampleShape: gen.sampleShape,
    tasks: gen.tasks,
    train: { x: gen.x, y: gen.y, n, origin },
    autoScale: 1,
  };
}
