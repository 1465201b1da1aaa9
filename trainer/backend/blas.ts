/**
 * The machine's optimised BLAS (OpenBLAS, MKL, BLIS; Accelerate on macOS), called from Node through koffi's prebuilt
 * FFI (koffi.node, no compiler, no download), for the wasm backend's matrix products and convolutions
 * (wasm-kernels-blas.ts): WebAssembly SIMD is 128 bits wide without fused multiply-add, so XNNPACK reaches a fraction
 * of what the CPU's AVX2/AVX-512 FMA units do through OpenBLAS (issue 19). Optional: without koffi.node or a BLAS the
 * wasm backend keeps its own kernels and says why. $DYNAXX_BLAS picks the library: `off`, or a path or file name to
 * load instead of the search below. The generic reference BLAS (Debian's libblas3 without OpenBLAS) is never
 * searched for: it is slower than XNNPACK; named in $DYNAXX_BLAS it is used, as asked.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { BackendError } from './backend';
import { MAX_THREADS, THREADS_ENV, threadCount } from './wasm-threads';

export const BLAS_ENV = 'DYNAXX_BLAS';
export const BLAS_THREADS_ENV = 'DYNAXX_BLAS_THREADS';

/** cblas enums (cblas.h). */
export const ROW_MAJOR = 101;
export const NO_TRANS = 111;
export const TRANS = 112;

type Sgemm = (
  order: number, transA: number, transB: number, M: number, N: number, K: number,
  alpha: number, A: Float32Array, lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number,
) => void;

export interface Blas {
  /** Row-major C[M, N] = alpha · op(A) · op(B) + beta · C (cblas_sgemm); views may lie in the wasm heap. */
  sgemm: Sgemm;
  /** The library as users know it, e.g. "OpenBLAS 0.3.21 (SkylakeX, 2 threads)". */
  name: string;
  /** The file it was loaded from. */
  path: string;
  threads: number;
  /** Sets the library's thread count for the next products (undefined where the library has no such call). */
  setThreads?: (n: number) => void;
}

/** Starts the BLAS's `threads` threads (loadBlas starts none): when its kernels are installed. */
export function useThreads(blas: Blas): void {
  blas.setThreads?.(blas.threads);
}

interface KoffiLib {
  func(signature: string): (...args: unknown[]) => unknown;
}
interface Koffi {
  load(path: string): KoffiLib;
  version: string;
}

/** Libraries searched for, best first, by platform. */
const CANDIDATES: Record<string, string[]> = {
  linux: ['libopenblas.so.0', 'libopenblas.so', 'libopenblasp.so.0', 'libmkl_rt.so.2', 'libmkl_rt.so', 'libblis.so.4', 'libblis.so'],
  darwin: ['/System/Library/Frameworks/Accelerate.framework/Accelerate', '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib'],
  win32: ['libopenblas.dll', 'openblas.dll', 'mkl_rt.2.dll'],
};

/** Where koffi.node is: beside the bundle (dist/, a VSIX), else the npm package's prebuilt one for this platform. */
export function koffiPath(): string | undefined {
  const candidates = [join(__dirname, 'koffi.node')];
  try {
    const root = dirname(require.resolve('koffi/package.json'));
    const arch = process.arch === 'arm' ? 'armhf' : process.arch;
    candidates.push(join(root, 'build', 'koffi', `${process.platform}_${arch}`, 'koffi.node'));
    if (process.platform === 'linux') candidates.push(join(root, 'build', 'koffi', `musl_${arch}`, 'koffi.node'));
  } catch {
    // not installed beside us (a bundle carried elsewhere)
  }
  return candidates.find((p) => existsSync(p));
}

/** How many threads the BLAS runs: $DYNAXX_BLAS_THREADS, else $DYNAXX_WASM_THREADS, else every core. */
export function blasThreads(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  return threadCount(env, BLAS_THREADS_ENV, 1024) ?? threadCount(env, THREADS_ENV, MAX_THREADS) ?? Math.max(1, cores);
}

let loaded: { blas?: Blas; why?: string } | undefined;

/** The BLAS, loaded once; undefined with why where there is none (or $DYNAXX_BLAS=off). A bad $DYNAXX_BLAS throws. */
export function loadBlas(env: NodeJS.ProcessEnv = process.env): { blas?: Blas; why?: string } {
  if (loaded) return loaded;
  loaded = tryLoad(env);
  return loaded;
}

function tryLoad(env: NodeJS.ProcessEnv): { blas?: Blas; why?: string } {
  const asked = env[BLAS_ENV]?.trim();
  if (asked === 'off' || asked === '0') return { why: `${BLAS_ENV}=${asked}` };
  const threads = blasThreads(env);
  const kp = koffiPath();
  if (!kp) {
    if (asked) throw new BackendError('wasm', `${BLAS_ENV}=${asked}, but koffi.node (the FFI that calls it) is not found: run npm ci`);
    return { why: 'koffi.node not found (npm ci installs it)' };
  }
  let koffi: Koffi;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    koffi = require(kp) as Koffi;
  } catch (e) {
    if (asked) throw new BackendError('wasm', `${BLAS_ENV}=${asked}, but koffi.node failed to load: ${(e as Error).message}`);
    return { why: `koffi.node failed to load (${(e as Error).message})` };
  }
  const names = asked ? [asked] : (CANDIDATES[process.platform] ?? []);
  const errors: string[] = [];
  for (const name of names) {
    let lib: KoffiLib;
    try {
      lib = withLoadEnv(() => koffi.load(name));
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    let sgemm: Sgemm;
    try {
      sgemm = lib.func('void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)') as unknown as Sgemm;
    } catch {
      errors.push(`${name}: no cblas_sgemm in it`);
      continue;
    }
    const optional = (sig: string) => {
      try {
        return lib.func(sig);
      } catch {
        return undefined;
      }
    };
    let label = name.replace(/^.*[\\/]/, '');
    const config = optional('const char *openblas_get_config()');
    const setThreads = optional('void openblas_set_num_threads(int)') ?? optional('void MKL_Set_Num_Threads(int)') ?? optional('void bli_thread_set_num_threads(long)');
    if (config) label = String(config()).split(' ').filter((w) => !/^(NO_|DYNAMIC_ARCH|USE_|MAX_THREADS)/.test(w)).join(' ');
    else if (/accelerate/i.test(name)) label = 'Accelerate';
    else if (/mkl/i.test(name)) label = 'MKL';
    else if (/blis/i.test(name)) label = 'BLIS';
    // the thread count is applied when the kernels are installed (useThreads), not here: a probe starts no threads
    const count = setThreads ? ` (${threads === 1 ? '1 thread' : `${threads} threads`})` : '';
    const blas: Blas = { sgemm, name: `${label}${count}`, path: name, threads: setThreads ? threads : 1, setThreads: setThreads as ((n: number) => void) | undefined };
    const why = selfTest(blas);
    if (why) {
      errors.push(`${name}: ${why}`);
      continue;
    }
    return { blas };
  }
  if (asked) throw new BackendError('wasm', `${BLAS_ENV}=${asked} could not be used: ${errors.join('; ')}. Name a library with cblas_sgemm (OpenBLAS: libopenblas.so.0), or set ${BLAS_ENV}=off`);
  return { why: names.length === 0 ? `no BLAS is searched for on ${process.platform}` : `no optimised BLAS found (install OpenBLAS: apt-get install libopenblas0-pthread; or set ${BLAS_ENV} to one)` };
}

/**
 * Runs `load` with OpenBLAS told to start no threads yet (OPENBLAS_NUM_THREADS=1: `dynaxx backends`, a cpu or webgpu
 * run only probe it; the kernels set the count when they are installed) and to put its threads to sleep right after
 * each product (OPENBLAS_THREAD_TIMEOUT=4, 2^4 cycles) unless the user set a timeout. OpenBLAS reads both when it
 * loads. By default its threads spin for about 2^28 cycles, holding the cores that tfjs's own threaded kernels
 * (pooling, element-wise) then wait for: MaxPool of a CNN took 2.9 ms instead of 0.8 and the whole step 5–10% longer
 * on the 2-core VM. The variables are put back as they were, so processes started later (a PyTorch peer) see the
 * environment unchanged.
 */
function withLoadEnv<T>(load: () => T): T {
  const env = process.env;
  const saved = { OPENBLAS_NUM_THREADS: env.OPENBLAS_NUM_THREADS, OPENBLAS_THREAD_TIMEOUT: env.OPENBLAS_THREAD_TIMEOUT };
  env.OPENBLAS_NUM_THREADS = '1';
  if (env.OPENBLAS_THREAD_TIMEOUT === undefined && env.GOTO_THREAD_TIMEOUT === undefined) env.OPENBLAS_THREAD_TIMEOUT = '4';
  try {
    return load();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
  }
}

/** One small product against its known answer, transposes included: a library that loads but computes wrong is refused. */
function selfTest(blas: Blas): string | undefined {
  // A = [[1, 2, 3], [4, 5, 6]] (2×3), Bᵀ stored as [[1, 0, 2], [0, 1, 1]] (2×3): A·B = [[7, 5], [16, 11]]
  const a = new Float32Array([1, 2, 3, 4, 5, 6]);
  const bt = new Float32Array([1, 0, 2, 0, 1, 1]);
  const c = new Float32Array([100, 100, 100, 100]);
  try {
    blas.sgemm(ROW_MAJOR, NO_TRANS, TRANS, 2, 2, 3, 1, a, 3, bt, 3, 0, c, 2);
  } catch (e) {
    return `cblas_sgemm failed (${(e as Error).message})`;
  }
  const want = [7, 5, 16, 11];
  return want.every((v, i) => c[i] === v) ? undefined : `cblas_sgemm computed [${[...c].join(', ')}] for [${want.join(', ')}]`;
}
