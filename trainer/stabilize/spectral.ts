/**
 * Spectral normalisation with a scheduled bound (seed 001, pillar 1). For every weight matrix (dense
 * kernels [in, out]; conv kernels [kh, kw, cin, cout] viewed as [kh·kw·cin, cout]; attention q/k/v/o
 * kernels, transformer sub-layers included) the largest singular value σ is estimated by power iteration
 * with a persistent vector u (a variable per matrix, seeded on the host, normalised), in fp32:
 *   v = Wᵀu / ‖Wᵀu‖;  Wv;  σ = ‖Wv‖;  u = Wv / σ        (repeated `iterations` times)
 * then W ← W · min(1, bound/σ). Everything stays on the device (no host read): the latest σ per matrix
 * is kept as a scalar tensor for the per-layer statistics read. σ is the estimate of the weights as the
 * optimizer left them, before the rescale.
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, mulberry32 } from '../data/rng';
import type { NamedVariable } from '../engine/module';

/** Roles of the weights treated as matrices: dense/conv kernels and the attention projections. */
const MATRIX_ROLES = new Set(['kernel', 'queryKernel', 'keyKernel', 'valueKernel', 'outputKernel']);

/** The weights spectral normalisation applies to (rank-2 and rank-4 kernels). */
export function spectralTargets(vars: NamedVariable[]): NamedVariable[] {
  return vars.filter((v) => MATRIX_ROLES.has(v.role) && (v.variable.rank === 2 || v.variable.rank === 4));
}

interface Matrix {
  weight: NamedVariable;
  rows: number;
  cols: number;
  /** Persistent left singular vector estimate, [rows, 1]. */
  u: tf.Variable;
  /** Latest σ estimate (kept), undefined before the first estimate. */
  sigma: tf.Scalar | undefined;
}

const EPS = 1e-12;

export class SpectralNorm {
  private readonly matrices: Matrix[];

  constructor(vars: NamedVariable[], seed: number, private readonly iterations = 1) {
    if (!(iterations >= 1)) throw new Error(`spectral.iterations must be at least 1, got ${iterations}`);
    this.matrices = spectralTargets(vars).map((weight) => {
      const shape = weight.variable.shape;
      const cols = shape[shape.length - 1];
      const rows = weight.variable.size / cols;
      const initial = initialVector(rows, deriveSeed(seed, 'spectral', weight.name));
      const u = tf.variable(initial, false);
      initial.dispose();
      return { weight, rows, cols, u, sigma: undefined };
    });
  }

  /** Number of matrices under the bound. */
  get size(): number {
    return this.matrices.length;
  }

  /** Re-estimates σ of every matrix (updating u) and rescales those above `bound`. */
  rescale(bound: number): void {
    for (const m of this.matrices) {
      const [sigma, u] = tf.tidy(() => {
        const w = tf.reshape(m.weight.variable, [m.rows, m.cols]) as tf.Tensor2D;
        let u: tf.Tensor2D = m.u as unknown as tf.Tensor2D;
        let sigma: tf.Scalar = tf.scalar(0);
        for (let i = 0; i < this.iterations; i++) {
          const wtu = tf.matMul(w, u, true, false); // [cols, 1]
          const v = tf.div(wtu, tf.add(tf.norm(wtu), EPS));
          const wv = tf.matMul(w, v); // [rows, 1]
          sigma = tf.norm(wv) as tf.Scalar;
          u = tf.div(wv, tf.add(sigma, EPS));
        }
        const factor = tf.minimum(1, tf.div(bound, tf.add(sigma, EPS)));
        m.weight.variable.assign(tf.mul(m.weight.variable, factor));
        return [sigma, u];
      });
      m.u.assign(u);
      u.dispose();
      m.sigma?.dispose();
      m.sigma = sigma;
    }
  }

  /** The latest σ estimates by layer id (tensors owned here: do not dispose). */
  sigmaByLayer(): Map<string, tf.Tensor[]> {
    const out = new Map<string, tf.Tensor[]>();
    for (const m of this.matrices) {
      if (!m.sigma) continue;
      const list = out.get(m.weight.layerId) ?? [];
      list.push(m.sigma);
      out.set(m.weight.layerId, list);
    }
    return out;
  }

  /** The latest σ estimate of one weight (by its name), for tests and tools. */
  sigmaOf(weightName: string): tf.Scalar | undefined {
    return this.matrices.find((m) => m.weight.name === weightName)?.sigma;
  }

  /** The power-iteration vectors, checkpointed so a resumed run continues from them. */
  state(): NamedVariable[] {
    return this.matrices.map((m) => ({ name: `${m.weight.name}/spectralU`, variable: m.u, layerId: m.weight.layerId, role: 'spectralU' }));
  }

  dispose(): void {
    for (const m of this.matrices) {
      m.u.dispose();
      m.sigma?.dispose();
      m.sigma = undefined;
    }
  }
}

/** A unit vector [n, 1] from a seeded host PRNG (uniform in [−1, 1), normalised): backend-independent. */
function initialVector(n: number, seed: number): tf.Tensor2D {
  const rand = mulberry32(seed);
  const values = new Float32Array(n);
  let sq = 0;
  for (let i = 0; i < n; i++) {
    values[i] = 2 * rand() - 1;
    sq += values[i] * values[i];
  }
  const norm = Math.sqrt(sq) || 1;
  for (let i = 0; i < n; i++) values[i] /= norm;
  return tf.tensor2d(values, [n, 1]);
}
