/**
 * Deterministic, backend-independent weight initialisation.
 *
 * Every value is drawn on the host from a seeded PRNG (mulberry32) into a Float32Array and only
 * then uploaded, so the same seed gives bit-identical weights on cpu, wasm, webgl and webgpu.
 *
 * Each variable draws from its own stream, `init.fork('<layer id>/<role>')`, seeded by a hash of
 * (model seed, variable name): a variable's initial value depends on the seed and its name only,
 * not on how many layers were built before it (adding or removing a layer leaves the others'
 * initial weights unchanged).
 *
 * Conventions (see `kernelInit`):
 * - kernels feeding a relu-family activation (relu, leakyRelu, elu, gelu, swish): He-normal,
 *   N(0, 2 / fanIn) (plain, not truncated);
 * - selu kernels: LeCun-normal, N(0, 1 / fanIn);
 * - every other kernel (linear, tanh, sigmoid, softmax, attention projections): Glorot-uniform,
 *   U(±sqrt(6 / (fanIn + fanOut)));
 * - biases and norm betas 0, norm gammas 1, batchNorm moving mean 0 / moving variance 1;
 * - embeddings N(0, 0.02²) (GPT-2 convention).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation, Shape } from '../../../spec/types';
import type { NamedVariable } from '../module';
import { fmix32 } from '../../data/rng';

/** 32-bit FNV-1a of a string, mixed with a seed. */
export function hashString(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return fmix32(h);
}

/** Combines two 32-bit integers into a well-mixed 32-bit seed (murmur3 finaliser). */
export function hash2(a: number, b: number): number {
  return fmix32((Math.imul(a >>> 0, 0x9e3779b1) ^ (b >>> 0)) >>> 0);
}

function size(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Initializer {
  private state: number;
  private spare: number | undefined;

  constructor(public readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal sample (Box-Muller, both values used). */
  nextNormal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.next(); // (0, 1]
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An independent stream for `key` (a variable name, a dropout site): depends on (seed, key) only. */
  fork(key: string): Initializer {
    return new Initializer(this.seedFor(key));
  }

  /** A 32-bit seed derived from (seed, key), e.g. for a module's dropout. */
  seedFor(key: string): number {
    return hashString(this.seed, key);
  }

  glorotUniform(shape: Shape, fanIn: number, fanOut: number): Float32Array {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) out[i] = (2 * this.next() - 1) * limit;
    return out;
  }

  /** N(0, gain / fanIn): gain 2 is He-normal, gain 1 LeCun-normal. */
  heNormal(shape: Shape, fanIn: number, gain = 2): Float32Array {
    return this.normal(shape, Math.sqrt(gain / fanIn));
  }

  normal(shape: Shape, std: number): Float32Array {
    const out = new Float32Array(size(shape));
    for (let i = 0; i < out.length; i++) out[i] = this.nextNormal() * std;
    return out;
  }

  zeros(shape: Shape): Float32Array {
    return new Float32Array(size(shape));
  }

  ones(shape: Shape): Float32Array {
    return new Float32Array(size(shape)).fill(1);
  }
}

const RELU_FAMILY: ReadonlySet<Activation> = new Set<Activation>(['relu', 'leakyRelu', 'elu', 'gelu', 'swish']);

/** Kernel initial values for a layer followed by `activation` (see the file comment). */
export function kernelInit(rng: Initializer, shape: Shape, fanIn: number, fanOut: number, activation: Activation): Float32Array {
  if (RELU_FAMILY.has(activation)) return rng.heNormal(shape, fanIn);
  if (activation === 'selu') return rng.heNormal(shape, fanIn, 1);
  return rng.glorotUniform(shape, fanIn, fanOut);
}

/**
 * tfjs registers variables by name in one global engine, so two models (or a model rebuilt in the
 * same process) would collide on `${layerId}/${role}`. The engine name gets a process-wide counter
 * suffix; `NamedVariable.name` stays exactly `${layerId}/${role}` (the checkpoint key).
 */
let variableCounter = 0;

/**
 * Creates a named variable whose initial values come from `fill(rng)`, where `rng` is the stream
 * `init.fork('<layerId>/<role>')`.
 */
export function createVariable(
  init: Initializer,
  layerId: string,
  role: string,
  shape: Shape,
  fill: (rng: Initializer) => Float32Array,
  trainable = true,
): NamedVariable {
  const name = `${layerId}/${role}`;
  const values = fill(init.fork(name));
  const initial = tf.tensor(values, shape, 'float32');
  const variable = tf.variable(initial, trainable, `${name}#${variableCounter++}`);
  initial.dispose();
  return { name, variable, layerId, role };
}
