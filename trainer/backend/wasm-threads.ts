/**
 * Threads for the wasm backend in Node. tfjs-backend-wasm ships an Emscripten pthreads build
 * (tfjs-backend-wasm-threaded-simd.wasm, its glue inlined in tf-backend-wasm.node.js) whose glue knows Node
 * (worker_threads, SharedArrayBuffer memory), but tfjs never starts it there:
 *  - the flag WASM_HAS_MULTITHREAD_SUPPORT answers false whenever IS_NODE (tfjs issue 3830);
 *  - init() hands the glue its pthread worker script (`wasmWorkerContents`) and its own main script
 *    (`wasmFactoryThreadedSimd.toString()`) as Blobs, which a Node Worker cannot start and the worker's
 *    importScripts cannot read;
 *  - that main script names the bundle's module-scope aliases (require$$0 = fs, ..., commonjsGlobal, tslib's
 *    __values/__read/__spreadArray), which a worker does not have;
 *  - backend.cc caps the thread pool at emscripten_num_logical_cores() / 2, which is os.cpus().length / 2 in Node.
 * So, for the length of the backend's initialisation only, Blob and URL.createObjectURL capture those two scripts
 * and write them to files (in a private folder of the OS temp folder, named by their hash), and os.cpus reports enough
 * cores; the worker file starts with a preamble that defines the missing aliases and ends by pointing the worker's
 * `load` message at the main-script file. The glue starts 8 workers whatever the count; the count asked run.
 * XNNPACK splits each kernel's output among the threads and sums each element on one of them in the same order,
 * so results match one thread (wasm-threads.test.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os, { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendError } from './backend';

/** The env var that sets the thread count; 1 turns threads off. */
export const THREADS_ENV = 'DYNAXX_WASM_THREADS';
/**
 * The most threads tfjs 4.22's threaded build runs: backend.cc caps its pthreadpool at 8 (max_num_threads), the
 * size of the worker pool its Emscripten build starts (PTHREAD_POOL_SIZE).
 */
export const MAX_THREADS = 8;

/** How many threads to ask for: $DYNAXX_WASM_THREADS, else the cores (capped). A malformed value fails loudly. */
export function wantedThreads(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  return threadCount(env, THREADS_ENV, MAX_THREADS) ?? Math.max(1, Math.min(cores, MAX_THREADS));
}

/** The thread count the env var `name` sets (1 to `max`), undefined where unset; a malformed value fails loudly. */
export function threadCount(env: NodeJS.ProcessEnv, name: string, max: number): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new BackendError('wasm', `${name}=${raw}: expected a whole number of threads from 1 to ${max}`);
  return n;
}

/** Why threads cannot start in this process, or undefined when they can (cheap; starts nothing). */
export function threadsUnavailable(wasmDir: string): string | undefined {
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer in this runtime';
  if (typeof Blob !== 'function' || typeof URL.createObjectURL !== 'function') return 'no Blob / URL.createObjectURL in this Node';
  if (!existsSync(join(wasmDir, THREADED_WASM))) return `${THREADED_WASM} not found in ${wasmDir}`;
  try {
    // shared memory and atomics (the same check tfjs makes in browsers)
    new (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => unknown } }).WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (e) {
    return `no shared WebAssembly memory (${(e as Error).message})`;
  }
  return undefined;
}

export const THREADED_WASM = 'tfjs-backend-wasm-threaded-simd.wasm';
const MAIN_SCRIPT_HEAD = 'var WasmBackendModuleThreadedSimd = ';
const WORKER_SCRIPT_MARK = 'WasmBackendModuleThreadedSimd(Module)';

/**
 * What the glue's main script expects from the bundle's module scope, for the worker: the aliases rollup gave
 * tf-backend-wasm.node.js's requires, and the tslib helpers its downlevelled loops call.
 */
function workerPreamble(mainScript: string): string {
  return `"use strict";
var require$$0 = require("fs"), require$$1 = require("path"), require$$2 = require("worker_threads"),
  require$$3 = require("perf_hooks"), require$$4 = require("os"), commonjsGlobal = globalThis;
Object.assign(globalThis, { require$$0, require$$1, require$$2, require$$3, require$$4, commonjsGlobal,
  __values: function (o) { var it = typeof Symbol === "function" && o[Symbol.iterator]; if (it) return it.call(o);
    var i = 0; return { next: function () { return { value: o && o[i++], done: !o || i > o.length }; } }; },
  __read: function (o, n) { var a = Array.from(o); return n === undefined ? a : a.slice(0, n); },
  __spreadArray: function (to, from) { return to.concat(Array.prototype.slice.call(from)); },
});
var dynaxxMainScript = ${JSON.stringify(mainScript)};
`;
}

/** After tfjs's worker code: its 'load' message carries the main script as a Blob; read our file instead. */
const WORKER_EPILOGUE = `
(function () {
  var onmessageFromTfjs = self.onmessage;
  self.onmessage = function (e) {
    if (e.data && e.data.cmd === "load" && typeof e.data.urlOrBlob !== "string") e.data.urlOrBlob = dynaxxMainScript;
    return onmessageFromTfjs(e);
  };
})();
`;

/**
 * The folder for the two scripts: one per user in the OS temp folder, private (0700); one that someone else owns or
 * can write to is not used (a fresh private folder instead), since its scripts run in this process.
 */
function scriptDir(): string {
  const uid = process.getuid?.() ?? -1;
  const dir = join(tmpdir(), `dynaxx-wasm-threads-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (st.isDirectory() && (uid === -1 || (st.uid === uid && (st.mode & 0o022) === 0))) return dir;
  } catch {
    // not creatable: a fresh one below
  }
  return mkdtempSync(join(tmpdir(), 'dynaxx-wasm-threads-'));
}

/** Writes `text` to dir/name unless the file already holds exactly it; atomic, so concurrent starts both see a whole file. */
function writeOnce(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return path;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

/**
 * Runs `init` (tfjs's backend initialisation) with Blob and URL.createObjectURL capturing the threaded glue's
 * scripts into files and os.cpus reporting enough cores; restores all three, and drops the glue's process
 * listeners, whatever happens.
 */
export async function withNodeThreadShims<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const texts = new WeakMap<Blob, string>();
  let mainScript: string | undefined;
  class CapturingBlob extends OriginalBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (parts?.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        if (text.startsWith(MAIN_SCRIPT_HEAD)) mainScript = text;
      }
    }
  }
  const createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text === undefined || !text.includes(WORKER_SCRIPT_MARK)) return originalCreateObjectURL(blob);
    if (mainScript === undefined) throw new Error('tfjs asked for the pthread worker before its main script');
    const dir = scriptDir();
    const hash = createHash('sha256').update(mainScript).update(text).digest('hex').slice(0, 16);
    const main = writeOnce(dir, `main-${hash}.js`, mainScript);
    // tfjs already escaped the worker's newlines (they sit inside string literals) for its Blob; a file wants the same
    return writeOnce(dir, `worker-${hash}.cjs`, workerPreamble(main) + text + WORKER_EPILOGUE);
  };
  // backend.cc caps the pool at emscripten_num_logical_cores() / 2 (it assumes two hyperthreads a core), read once
  // at start-up from os.cpus().length: report enough cores for the count asked
  const originalCpus = os.cpus;
  const cpus = originalCpus();
  os.cpus = () => (cpus.length >= 2 * threads ? cpus : Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]));
  globalThis.Blob = CapturingBlob;
  URL.createObjectURL = createObjectURL;
  try {
    return await withoutGlueListeners(init);
  } finally {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
  }
}

/**
 * Runs `init` and removes the process listeners it added: every Emscripten glue of tfjs-backend-wasm (threaded or
 * not) rethrows each uncaught exception and rejection from listeners of its own, which turns a host's handled
 * error into a crash pointing into minified glue. The host decides what an uncaught error does.
 */
export async function withoutGlueListeners<T>(init: () => Promise<T>): Promise<T> {
  const uncaught = process.listeners('uncaughtException');
  const rejection = process.listeners('unhandledRejection');
  try {
    return await init();
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!uncaught.includes(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!rejection.includes(l)) process.removeListener('unhandledRejection', l);
  }
}

type PThreadWorker = { unref?: () => void; ref?: () => void };
type PThreadPool = { runningWorkers: PThreadWorker[]; unusedWorkers: PThreadWorker[] };

/**
 * The pool's workers must not keep the process alive: XNNPACK's threads wait on a futex for ever, and the glue
 * ref()s a worker while its pthread runs. Unref them all (they die with the process) and keep later ones unref'd.
 */
export function unrefWorkers(module: { PThread?: PThreadPool } | undefined): number {
  const pool = module?.PThread;
  if (!pool) return 0;
  const all = [...pool.runningWorkers, ...pool.unusedWorkers];
  for (const w of all) {
    w.unref?.();
    if (w.ref) w.ref = () => undefined;
  }
  return all.length;
}
