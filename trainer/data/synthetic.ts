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
 * - `multi-task`: the same with `parts` (N ≥ 2, default 3) equal parts of `features/N` dims
 *   (`features` must be divisible by N; default 16·N) and tasks `t1..tN`, task i labelling part i.
 *   `multi-task` with `parts: 2` gives exactly the `two-task` samples, with tasks named t1, t2.
 * - `taskSeeds` (two-task, multi-task): one seed per task. Without it every part's prototypes come
 *   from the data seed; with it, task i's prototypes come from seed i alone, so a task's function
 *   depends only on (its seed, part width, classes). Two files that share s1 but not s2 describe
 *   related tasks: the same first function, a different second one. The samples' draws (which
 *   prototype, the noise) still come from the data seed, so the shared part's inputs and labels
 *   are identical sample for sample.
 * - `sequence`: T = `features` tokens (default 16) over a vocabulary of 32, stored as float token
 *   ids, sampleShape [T]. Token t falls in bucket floor(t·classes/32). Label = the bucket holding
 *   the most tokens (ties → the smallest bucket id). Each sequence favours one random bucket
 *   (35% of its tokens), so classes are balanced and the majority usually, not always, wins.
 */
import type { SyntheticKind } from '../../spec/types';
import { DataError } from './errors';
import type { RawData } from './loader';
import { Rng, deriveSeed } from './rng';

export const SYNTHETIC_DEFAULTS = { samples: 4096, classes: 4, features: 32, parts: 3, partFeatures: 16, sequenceLength: 16, vocab: 32 };
const RADIUS = 2.5;

export interface SyntheticOptions {
  kind: SyntheticKind;
  samples?: number;
  classes?: number;
  /** Input dims (blobs; two-task, multi-task: all parts together) or sequence length. */
  features?: number;
  /** multi-task: number of equal parts, one task each (default 3). */
  parts?: number;
  /** two-task, multi-task: one prototype seed per task (default: all from `seed`). */
  taskSeeds?: number[];
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

/** The labelling rule of one part (two-task half): nearest prototype index, modulo `classes`. */
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

/** The ground truth of the two-task/multi-task sets: one prototype set and labelling rule per part. */
export interface PartsTruth {
  /** Dims per part. */
  width: number;
  parts: number;
  classes: number;
  /** Per part: 2·classes prototypes, row-major [prototype, dim]. */
  prototypes: Float32Array[];
  /** Ground-truth label of task `part` (0-based) of a sample: from x[part·width .. (part+1)·width). */
  label(part: number, x: ArrayLike<number>, offset?: number): number;
}

/** The prototypes and labelling functions of the multi-task set (no samples); see the header. */
export function multiTaskTruth(classes: number, features: number, parts: number, seed: number, taskSeeds?: readonly number[]): PartsTruth {
  const width = features / parts;
  let prototypes: Float32Array[];
  if (taskSeeds === undefined) {
    // One stream for all parts: the original two-task draw order, so two-task samples never change.
    const rng = new Rng(deriveSeed(seed, 'two-task', 'prototypes'));
    prototypes = Array.from({ length: parts }, () => sphere(rng, 2 * classes, width, RADIUS));
  } else {
    prototypes = taskSeeds.map((s) => sphere(new Rng(deriveSeed(s, 'task-prototypes')), 2 * classes, width, RADIUS));
  }
  return {
    width, parts, classes, prototypes,
    label: (part, x, offset = 0) => nearestPrototypeLabel(x, offset + part * width, prototypes[part], width, classes),
  };
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
export function twoTaskTruth(classes: number, features: number, seed: number, taskSeeds?: readonly number[]): TwoTaskTruth {
  const t = multiTaskTruth(classes, features, 2, seed, taskSeeds);
  return {
    half: t.width, classes, left: t.prototypes[0], right: t.prototypes[1],
    labelLeft: (x, offset = 0) => t.label(0, x, offset),
    labelRight: (x, offset = 0) => t.label(1, x, offset),
  };
}

function checkTaskSeeds(kind: string, taskSeeds: readonly number[] | undefined, names: string[]): void {
  if (taskSeeds === undefined) return;
  if (!Array.isArray(taskSeeds) || taskSeeds.some((v) => !Number.isInteger(v))) {
    throw new DataError(`synthetic ${kind}: data.taskSeeds must be a list of integers, got ${JSON.stringify(taskSeeds)}.`);
  }
  if (taskSeeds.length !== names.length) {
    throw new DataError(
      `synthetic ${kind}: data.taskSeeds has ${taskSeeds.length} seed${taskSeeds.length === 1 ? '' : 's'} but there are ` +
        `${names.length} tasks (${names.join(', ')}); give one seed per task.`,
    );
  }
}

/** two-task and multi-task: `parts` equal parts, task i labels part i; the draw order is two-task's. */
function partsTask(kind: string, n: number, classes: number, features: number, names: string[], seed: number, taskSeeds?: readonly number[]) {
  const parts = names.length;
  checkTaskSeeds(kind, taskSeeds, names);
  const truth = multiTaskTruth(classes, features, parts, seed, taskSeeds);
  const w = truth.width;
  const rng = new Rng(deriveSeed(seed, 'two-task', 'samples'));
  const x = new Float32Array(n * features);
  const y = new Int32Array(n * parts);
  const chosen = new Int32Array(parts);
  for (let i = 0; i < n; i++) {
    const base = i * features;
    for (let p = 0; p < parts; p++) chosen[p] = rng.int(2 * classes);
    for (let d = 0; d < w; d++) {
      for (let p = 0; p < parts; p++) x[base + p * w + d] = truth.prototypes[p][chosen[p] * w + d] + rng.normal();
    }
    for (let p = 0; p < parts; p++) y[i * parts + p] = truth.label(p, x, base);
  }
  return { x, y, sampleShape: [features], tasks: names.map((name) => ({ name, classes })) };
}

function twoTask(n: number, classes: number, features: number, seed: number, taskSeeds?: readonly number[]) {
  if (features % 2 !== 0) throw new DataError(`synthetic two-task: data.features must be even (two equal halves), got ${features}.`);
  return partsTask('two-task', n, classes, features, ['left', 'right'], seed, taskSeeds);
}

/** Task names of the multi-task set: t1..tN. */
export function multiTaskNames(parts: number): string[] {
  return Array.from({ length: parts }, (_, i) => `t${i + 1}`);
}

function multiTask(n: number, classes: number, features: number, parts: number, seed: number, taskSeeds?: readonly number[]) {
  if (features % parts !== 0) {
    const lo = features - (features % parts);
    throw new DataError(
      `synthetic multi-task: data.features must be divisible by data.parts (${parts} equal parts), got ${features}; ` +
        `use e.g. ${lo >= parts ? `${lo} or ` : ''}${lo + parts}.`,
    );
  }
  return partsTask('multi-task', n, classes, features, multiTaskNames(parts), seed, taskSeeds);
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
/**
 * What `generateSynthetic` would allocate, without generating: the sample count and the values per sample (the
 * defaults as there), for the resource check before training. Invalid settings are left to the generator.
 */
export function syntheticSize(opts: Pick<SyntheticOptions, 'kind' | 'samples' | 'features' | 'parts'>): { samples: number; values: number; labels: number } {
  const samples = opts.samples ?? SYNTHETIC_DEFAULTS.samples;
  if (opts.kind === 'multi-task') {
    const parts = opts.parts ?? SYNTHETIC_DEFAULTS.parts;
    return { samples, values: opts.features ?? parts * SYNTHETIC_DEFAULTS.partFeatures, labels: parts };
  }
  if (opts.kind === 'sequence') return { samples, values: opts.features ?? SYNTHETIC_DEFAULTS.sequenceLength, labels: 1 };
  return { samples, values: opts.features ?? SYNTHETIC_DEFAULTS.features, labels: opts.kind === 'two-task' ? 2 : 1 };
}

export function generateSynthetic(opts: SyntheticOptions): RawData {
  const kind = opts.kind;
  const n = positiveInt(opts.samples ?? SYNTHETIC_DEFAULTS.samples, 'samples', 1);
  const classes = positiveInt(opts.classes ?? SYNTHETIC_DEFAULTS.classes, 'classes', 2);
  const seed = opts.seed ?? 0;
  const origin = `synthetic ${kind} generator (seed ${seed})`;
  if (opts.parts !== undefined && kind !== 'multi-task') {
    throw new DataError(`synthetic data: data.parts applies to kind multi-task only (this is ${String(kind)}).`);
  }
  if (opts.taskSeeds !== undefined && kind !== 'two-task' && kind !== 'multi-task') {
    throw new DataError(`synthetic data: data.taskSeeds applies to kinds two-task and multi-task only (this is ${String(kind)}).`);
  }
  let gen: Pick<RawData, 'sampleShape' | 'tasks'> & { x: Float32Array; y: Int32Array };
  let extra = '';
  if (kind === 'blobs') {
    gen = blobs(n, classes, positiveInt(opts.features ?? SYNTHETIC_DEFAULTS.features, 'features', 1), seed);
  } else if (kind === 'two-task') {
    gen = twoTask(n, classes, positiveInt(opts.features ?? SYNTHETIC_DEFAULTS.features, 'features', 2), seed, opts.taskSeeds);
  } else if (kind === 'multi-task') {
    const parts = positiveInt(opts.parts ?? SYNTHETIC_DEFAULTS.parts, 'parts', 2);
    const features = positiveInt(opts.features ?? parts * SYNTHETIC_DEFAULTS.partFeatures, 'features', parts);
    gen = multiTask(n, classes, features, parts, seed, opts.taskSeeds);
    extra = `, ${parts} parts`;
  } else if (kind === 'sequence') {
    gen = sequence(n, classes, positiveInt(opts.features ?? SYNTHETIC_DEFAULTS.sequenceLength, 'features', 1), seed);
  } else {
    throw new DataError(`synthetic data: unknown data.kind '${String(kind)}'; use blobs, two-task, multi-task or sequence.`);
  }
  if (opts.taskSeeds !== undefined) extra += `, task seeds ${opts.taskSeeds.join(', ')}`;
  return {
    name: `synthetic ${kind} (seed ${seed}, ${n} samples, ${classes} classes${extra})`,
    sampleShape: gen.sampleShape,
    tasks: gen.tasks,
    train: { x: gen.x, y: gen.y, n, origin },
    autoScale: 1,
  };
}
