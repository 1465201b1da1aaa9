/**
 * Top eigenvectors of a sparse symmetric matrix whose spectrum lies in [−1, 1] (such as a
 * normalised affinity D^-1/2 A D^-1/2), by Chebyshev-filtered subspace iteration with
 * Rayleigh–Ritz (Zhou & Saad 2007). No dependencies; plain Float64Array math.
 */
import { Rng } from '../../data/rng';

/** Compressed sparse rows of a symmetric m×m matrix. */
export interface Csr { start: Int32Array; col: Int32Array; val: Float64Array }

export interface EigenOptions {
  /** Outer iterations cap (default 100); the current Ritz vectors are returned when it runs out. */
  maxIterations?: number;
  /**
   * Work cap in multiply-adds of the sparse products (default 1.5e9, about 3 s in Node), which
   * lowers the iteration cap on big dense graphs. When the spectrum has no gap after the k-th
   * eigenvalue (an unstructured graph) the eigenvectors are ill-determined and this is what ends
   * the iteration; the clustering then uses the approximate subspace. Deterministic, unlike a clock.
   */
  maxWork?: number;
  /** Stop once every wanted Ritz pair has residual ‖Mx − θx‖ below this (default 1e-4). */
  tolerance?: number;
  /** Chebyshev filter degree; each outer iteration costs this many sparse products (default 12). */
  degree?: number;
}

/**
 * The k eigenvectors of `matrix` with the largest (algebraic) eigenvalues, as m*k row-major floats,
 * column c the c-th largest. The spectrum must lie in [−1, 1] with 1 its top (true of a
 * normalised affinity).
 *
 * Each outer iteration applies a degree-d Chebyshev polynomial that is small on [−1, θ_p] (θ_p the
 * lowest Ritz value of the block) and grows fast above it, i.e. a shift that keeps the wanted end
 * dominant: a bipartite graph — a layered network — has eigenvalues in ± pairs that plain power
 * iteration on M would never separate. The block holds k + 8 vectors for faster convergence.
 */
export function topEigenvectors(matrix: Csr, m: number, k: number, seed: number, opts: EigenOptions = {}): Float64Array {
  const p = Math.min(m, k + 8);
  const tol = opts.tolerance ?? 1e-4;
  const degree = Math.max(1, opts.degree ?? 12);
  const perIteration = Math.max(1, matrix.val.length) * p * degree;
  const maxIt = Math.min(opts.maxIterations ?? 100, Math.max(2, Math.floor((opts.maxWork ?? 1.5e9) / perIteration)));
  const rng = new Rng(seed);
  let x = new Float64Array(m * p);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  orthonormalize(x, m, p, rng);
  let mx = new Float64Array(m * p);
  let s1 = new Float64Array(m * p);
  let s2 = new Float64Array(m * p);
  const h = new Float64Array(p * p);
  for (let it = 0; ; it++) {
    // Rayleigh–Ritz: H = Xᵀ M X = V Θ Vᵀ; Ritz vectors X V, with M X V.
    multiply(matrix, x, mx, m, p);
    for (let a = 0; a < p; a++) {
      for (let b = a; b < p; b++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += x[i * p + a] * mx[i * p + b];
        h[a * p + b] = s;
        h[b * p + a] = s;
      }
    }
    const eig = symmetricEigen(h, p);
    const theta = eig.values;
    rotate(x, eig.vectors, s1, m, p);
    rotate(mx, eig.vectors, s2, m, p);
    [x, s1] = [s1, x];
    [mx, s2] = [s2, mx];
    let worst = 0;
    for (let c = 0; c < k; c++) {
      let r = 0;
      for (let i = 0; i < m; i++) r += (mx[i * p + c] - theta[c] * x[i * p + c]) ** 2;
      worst = Math.max(worst, Math.sqrt(r));
    }
    if (worst < tol || it >= maxIt || p === m) break;
    chebyshevFilter(matrix, x, mx, s1, s2, m, p, degree, theta[p - 1]);
    orthonormalize(x, m, p, rng);
  }
  const out = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let c = 0; c < k; c++) out[i * k + c] = x[i * p + c];
  return out;
}

/**
 * x ← T_d((M − c)/e) x / T_d((1 − c)/e), with [c − e, c + e] = [−1, cut]: damps eigen-directions
 * below `cut`, keeps those at 1 at unit scale (the scaled three-term recurrence never overflows).
 * `mx` holds M x on entry; `s1`, `s2` are scratch. Falls back to x ← (M + I) x when cut ≈ ±1.
 */
function chebyshevFilter(matrix: Csr, x: Float64Array, mx: Float64Array, s1: Float64Array, s2: Float64Array, m: number, p: number, degree: number, cut: number): void {
  const len = m * p;
  if (!(cut > -1 + 1e-9 && cut < 1 - 1e-9)) {
    for (let i = 0; i < len; i++) x[i] = 0.5 * (x[i] + mx[i]);
    return;
  }
  const e = (cut + 1) / 2;
  const c = (cut - 1) / 2;
  const sigma1 = e / (1 - c);
  // y1 = σ1/e (M − c) x
  let prev = x;
  let cur = s1;
  for (let i = 0; i < len; i++) cur[i] = (sigma1 / e) * (mx[i] - c * x[i]);
  let sigma = sigma1;
  let spare = s2;
  for (let j = 1; j < degree; j++) {
    const next = spare;
    const sigmaNext = 1 / (2 / sigma1 - sigma);
    multiply(matrix, cur, next, m, p);
    for (let i = 0; i < len; i++) next[i] = (2 * sigmaNext / e) * (next[i] - c * cur[i]) - sigma * sigmaNext * prev[i];
    spare = prev;
    prev = cur;
    cur = next;
    sigma = sigmaNext;
  }
  if (cur !== x) x.set(cur);
}

/** out = M q for an m×p row-major block. */
function multiply(matrix: Csr, q: Float64Array, out: Float64Array, m: number, p: number): void {
  const { start, col, val } = matrix;
  out.fill(0);
  for (let i = 0; i < m; i++) {
    const oi = i * p;
    for (let e = start[i]; e < start[i + 1]; e++) {
      const w = val[e];
      const oj = col[e] * p;
      for (let c = 0; c < p; c++) out[oi + c] += w * q[oj + c];
    }
  }
}

/** out = a · v for a (m×p) and v (p×p, columns are vectors). */
function rotate(a: Float64Array, v: Float64Array, out: Float64Array, m: number, p: number): void {
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < p; c++) {
      let s = 0;
      for (let t = 0; t < p; t++) s += a[i * p + t] * v[t * p + c];
      out[i * p + c] = s;
    }
  }
}

/** Modified Gram–Schmidt (two passes) on the columns of an m×p block; a collapsed column is replaced by a random one. */
function orthonormalize(q: Float64Array, m: number, p: number, rng: Rng): void {
  for (let c = 0; c < p; c++) {
    for (let attempt = 0; ; attempt++) {
      let before = 0;
      for (let i = 0; i < m; i++) before += q[i * p + c] ** 2;
      for (let pass = 0; pass < 2; pass++) {
        for (let b = 0; b < c; b++) {
          let dot = 0;
          for (let i = 0; i < m; i++) dot += q[i * p + b] * q[i * p + c];
          for (let i = 0; i < m; i++) q[i * p + c] -= dot * q[i * p + b];
        }
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += q[i * p + c] ** 2;
      if (norm > 0 && norm > 1e-20 * before) {
        const inv = 1 / Math.sqrt(norm);
        for (let i = 0; i < m; i++) q[i * p + c] *= inv;
        break;
      }
      if (attempt >= 8) throw new Error('topEigenvectors: could not build an orthonormal basis');
      for (let i = 0; i < m; i++) q[i * p + c] = rng.normal();
    }
  }
}

/** Eigen-decomposition of a symmetric p×p matrix by cyclic Jacobi; values descending, vectors as columns. */
export function symmetricEigen(matrix: Float64Array, p: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(p * p);
  for (let i = 0; i < p; i++) v[i * p + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        total += a[i * p + j] ** 2;
        if (i !== j) off += a[i * p + j] ** 2;
      }
    }
    if (off === 0 || off <= 1e-30 * total) break;
    for (let r = 0; r < p - 1; r++) {
      for (let s = r + 1; s < p; s++) {
        const ars = a[r * p + s];
        if (ars === 0) continue;
        const th = (a[s * p + s] - a[r * p + r]) / (2 * ars);
        const t = (th >= 0 ? 1 : -1) / (Math.abs(th) + Math.sqrt(th * th + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let i = 0; i < p; i++) { // columns r, s
          const air = a[i * p + r];
          const ais = a[i * p + s];
          a[i * p + r] = cs * air - sn * ais;
          a[i * p + s] = sn * air + cs * ais;
        }
        for (let i = 0; i < p; i++) { // rows r, s
          const ari = a[r * p + i];
          const asi = a[s * p + i];
          a[r * p + i] = cs * ari - sn * asi;
          a[s * p + i] = sn * ari + cs * asi;
        }
        for (let i = 0; i < p; i++) {
          const vir = v[i * p + r];
          const vis = v[i * p + s];
          v[i * p + r] = cs * vir - sn * vis;
          v[i * p + s] = sn * vir + cs * vis;
        }
      }
    }
  }
  const order = Array.from({ length: p }, (_, i) => i).sort((i, j) => a[j * p + j] - a[i * p + i] || i - j);
  const values = new Float64Array(p);
  const vectors = new Float64Array(p * p);
  order.forEach((src, dst) => {
    values[dst] = a[src * p + src];
    for (let i = 0; i < p; i++) vectors[i * p + dst] = v[i * p + src];
  });
  return { values, vectors };
}
