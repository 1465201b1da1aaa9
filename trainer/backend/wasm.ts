/**
 * tfjs's WebAssembly backend (XNNPACK, SIMD): the fast CPU path. The .wasm files ship in the npm package.
 * It runs tfjs's threaded SIMD build on as many threads as cores (up to 8; $DYNAXX_WASM_THREADS sets the count,
 * 1 turns threads off), through the shims in wasm-threads.ts, and falls back to one thread, saying why. Its matrix
 * products and convolutions run on the machine's BLAS where one is found (blas.ts, wasm-kernels-blas.ts; $DYNAXX_BLAS).
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BackendError, type Backend } from './backend';
import { cpuName } from './cpu';
import { BLAS_ENV, loadBlas } from './blas';
import { blasKernelsOn, installWasmKernels, wasmLeversOff } from './wasm-kernels';
import { installWasmMatMulFix } from './wasm-matmul';
import { THREADS_ENV, threadsUnavailable, unrefWorkers, wantedThreads, withNodeThreadShims, withoutGlueListeners } from './wasm-threads';

/** A threaded start that has not finished by then is abandoned for one thread (it takes under a second). */
const THREADED_INIT_TIMEOUT_MS = 30_000;

const WASM_FILE = 'tfjs-backend-wasm-simd.wasm';

/** Where the .wasm binaries are: $DYNAXX_WASM_DIR, beside the bundle (dist/), or in node_modules. */
export function wasmDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.DYNAXX_WASM_DIR) candidates.push(process.env.DYNAXX_WASM_DIR);
  candidates.push(__dirname);
  try {
    candidates.push(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // not installed beside us (a bundle carried elsewhere)
  }
  return candidates.find((d) => existsSync(join(d, WASM_FILE)));
}

export const wasmBackend: Backend = {
  name: 'wasm',
  async probe() {
    const dir = wasmDir();
    if (!dir) return { name: 'wasm', available: false, detail: `${WASM_FILE} not found; run npm ci, or set DYNAXX_WASM_DIR to a folder holding it` };
    let threads: string;
    try {
      const n = wantedThreads();
      const why = n > 1 ? threadsUnavailable(dir) : undefined;
      threads = why ? `1 thread (threads off: ${why})` : plural(n);
    } catch (e) {
      return { name: 'wasm', available: false, detail: (e as Error).message };
    }
    let blas: string;
    try {
      blas = blasLabel();
    } catch (e) {
      return { name: 'wasm', available: false, detail: (e as Error).message };
    }
    return { name: 'wasm', available: true, device: `${cpuName()}, WebAssembly SIMD, ${threads}, ${blas}` };
  },
  async init() {
    const dir = wasmDir();
    if (!dir) throw new BackendError('wasm', `${WASM_FILE} not found; run npm ci, or set DYNAXX_WASM_DIR to a folder holding the tfjs-backend-wasm .wasm files`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': join(dir, 'tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': join(dir, WASM_FILE),
      'tfjs-backend-wasm-threaded-simd.wasm': join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
    });
    const wanted = wantedThreads();
    let why = wanted > 1 ? threadsUnavailable(dir) : undefined;
    if (wanted > 1 && !why) {
      why = await startThreaded(wasm, wanted);
      if (why) console.warn(`dynaxx: the wasm backend runs on 1 thread: ${why}`);
    }
    if (wanted === 1 || why) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setThreadsCount(1);
      const ok = await withoutGlueListeners(() => tf.setBackend('wasm'));
      if (!ok) throw new BackendError('wasm', `the wasm backend failed to initialise from ${dir}`);
    }
    await tf.ready();
    installWasmMatMulFix();
    installWasmKernels();
    const blas = blasKernelsOn() ? `matMul and conv on ${loadBlas().blas!.name}` : blasLabel();
    return `${cpuName()}, WebAssembly SIMD, ${why ? `1 thread (threads off: ${why})` : plural(wasm.getThreadsCount())}, ${blas}`;
  },
};

/** Starts the threaded build; undefined when it runs on `threads` threads, else why not (tfjs is left unset). */
async function startThreaded(wasm: typeof import('@tensorflow/tfjs-backend-wasm'), threads: number): Promise<string | undefined> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`its workers did not start within ${THREADED_INIT_TIMEOUT_MS / 1000} s`), THREADED_INIT_TIMEOUT_MS);
  });
  const started = withNodeThreadShims(threads, () => tf.setBackend('wasm')).then(
    (ok) => (ok ? undefined : 'tfjs failed to initialise the threaded build (its warning is in the log)'),
    (e: unknown) => `the threaded build failed: ${(e as Error)?.message ?? String(e)}`,
  );
  const why = await Promise.race([started, timeout]).finally(() => clearTimeout(timer));
  if (why) return why;
  // the pool's workers must not keep a finished process alive
  unrefWorkers((tf.findBackend('wasm') as unknown as { wasm?: Parameters<typeof unrefWorkers>[0] }).wasm);
  const got = wasm.getThreadsCount();
  return got === threads ? undefined : `asked for ${threads} threads (${THREADS_ENV}), tfjs started ${got}`;
}

/** What the device line says of the BLAS (blas.ts): which one runs matMul and conv, or why none does. */
function blasLabel(): string {
  if (wasmLeversOff().has('blas')) return 'no BLAS (DYNAXX_WASM_OFF names blas)';
  const { blas, why } = loadBlas();
  return blas ? `matMul and conv on ${blas.name}` : `no BLAS (${why}; ${BLAS_ENV} names one)`;
}

function plural(n: number): string {
  return n === 1 ? '1 thread' : `${n} threads`;
}
