/**
 * Worker threads for the hand-assembled SIMD loops of wasm-kernels-*.ts (issue 19: "split work across worker threads
 * yourself where tfjs cannot"). tfjs's threaded build spreads its own kernels over XNNPACK's pthreadpool, not ours: the
 * optimizer update, relu's gradient, the bias/relu pass, im2col and col2im ran on the calling thread alone. A pool of
 * worker_threads instantiates the same modules on the same shared wasm memory (the threaded build's heap is a shared
 * WebAssembly.Memory), and a call runs as parts: one on the calling thread, one per worker, handed over and awaited
 * through Atomics on a small shared control block (no messages, so the calling thread may block: kernels are
 * synchronous). Each part is the same loop over its own slice, so results are the same as one thread's. Without shared
 * memory (one thread) or with one core there are no workers and every call runs inline.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Worker } from 'node:worker_threads';
import { BackendError } from './backend';
import { heapMemory, moduleBytes, type Fn, type WasmMemory } from './wasm-kernels-simd';

type Exports = Record<string, (...args: number[]) => void>;

/** Control block per worker, Int32 slots: job sequence, function index (−1: load a module), argument count, done, failed. */
const SEQ = 0;
const FN = 1;
const NARGS = 2;
const DONE = 3;
const FAILED = 4;
const MAX_ARGS = 32;
/** Module bytes are handed over in this shared buffer (the modules here are a few KB). */
const CODE_BYTES = 1 << 16;
/** A part not done by then is a hung worker: the call fails with a message instead of waiting forever. */
const PART_TIMEOUT_MS = 60_000;

const WORKER = `
const { workerData } = require('node:worker_threads');
const { memory, ctrl, code } = workerData;
const c = new Int32Array(ctrl, 0, 8);
const a = new Float64Array(ctrl, 32, ${MAX_ARGS});
const bytes = new Uint8Array(code);
const fns = [];
let seen = 0;
for (;;) {
  // a bounded wait: an idle worker comes back to JavaScript each second, where a process that ends can stop it
  Atomics.wait(c, ${SEQ}, seen, 1000);
  const seq = Atomics.load(c, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  if (seq < 0) break;
  try {
    const fn = c[${FN}];
    if (fn < 0) {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes.slice(0, a[0])), { env: { memory } });
      for (const f of Object.values(inst.exports)) fns.push(f);
    } else {
      const n = c[${NARGS}];
      const args = new Array(n);
      for (let i = 0; i < n; i++) args[i] = a[i];
      fns[fn](...args);
    }
  } catch (e) {
    Atomics.store(c, ${FAILED}, 1);
  }
  Atomics.store(c, ${DONE}, seq);
  Atomics.notify(c, ${DONE});
}
`;

interface PoolWorker {
  worker: Worker;
  ctrl: Int32Array;
  args: Float64Array;
  code: Uint8Array;
}

/** One module's functions on every thread of the pool. */
export interface PooledModule {
  /** The calling thread's own instance (for calls not worth splitting). */
  exports: Exports;
  /** How many parts a call can run as at once (workers + 1). */
  readonly threads: number;
  /** Runs `name` once per entry of `parts` (its arguments), the first on this thread, the others on workers, and waits. */
  run(name: string, parts: number[][]): void;
}

export class SimdPool {
  private readonly workers: PoolWorker[] = [];
  private seq = 0;
  private broken: string | undefined;
  /** Functions loaded so far, in the order the workers hold them. */
  private loaded = 0;

  constructor(private readonly memory: WasmMemory, workers: number) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    // the workers end with the process: told to stop first, so that none is left inside a wait the exit must join
    if (shared && workers > 0) process.once('exit', () => this.close());
    for (let i = 0; shared && i < workers; i++) {
      const ctrl = new SharedArrayBuffer(32 + 8 * MAX_ARGS);
      const code = new SharedArrayBuffer(CODE_BYTES);
      const worker = new Worker(WORKER, { eval: true, workerData: { memory, ctrl, code } });
      // an idle worker blocks in Atomics.wait: it must not keep a finished process alive
      worker.unref();
      worker.on('error', (e) => (this.broken = `a SIMD worker thread failed: ${e.message}`));
      worker.on('exit', () => (this.broken ??= 'a SIMD worker thread exited'));
      this.workers.push({ worker, ctrl: new Int32Array(ctrl, 0, 8), args: new Float64Array(ctrl, 32, MAX_ARGS), code: new Uint8Array(code) });
    }
  }

  get threads(): number {
    return this.broken ? 1 : this.workers.length + 1;
  }

  /** Instantiates `fns` here and on every worker; undefined where the engine refuses the module (no SIMD). */
  load(fns: Fn[]): PooledModule | undefined {
    const bytes = moduleBytes(this.memory, fns);
    if (!bytes) return undefined;
    const WA = (globalThis as unknown as { WebAssembly: { Instance: new (m: object, i: object) => { exports: object }; Module: new (b: Uint8Array) => object } }).WebAssembly;
    const exports = new WA.Instance(new WA.Module(bytes), { env: { memory: this.memory } }).exports as Exports;
    const base = this.loaded;
    const names = Object.keys(exports);
    this.loaded += names.length;
    if (this.workers.length > 0 && bytes.length <= CODE_BYTES && !this.broken) {
      for (const w of this.workers) w.code.set(bytes);
      try {
        this.dispatch(this.workers.map(() => [bytes.length]), -1, () => {});
      } catch (e) {
        // a worker that cannot take the module: every call runs on the calling thread from now on, as with one core
        this.broken ??= (e as Error).message;
      }
    } else if (this.workers.length > 0) {
      this.broken ??= 'a module too large for the workers';
    }
    const pool = this;
    return {
      exports,
      get threads() {
        return pool.threads;
      },
      run(name: string, parts: number[][]) {
        const fn = exports[name];
        if (!fn) throw new Error(`no SIMD function '${name}'`);
        if (parts.length === 0) return;
        if (parts.length === 1 || pool.broken) {
          for (const p of parts) fn(...p);
          return;
        }
        pool.dispatch(parts.slice(1), base + names.indexOf(name), () => fn(...parts[0]!));
      },
    };
  }

  /** Hands `parts` (at most one per worker) to the workers as function `fn`, runs `here` meanwhile, then waits for them. */
  private dispatch(parts: number[][], fn: number, here: () => void): void {
    if (parts.length > this.workers.length) throw new Error(`${parts.length} parts for ${this.workers.length} SIMD workers`);
    const seq = ++this.seq;
    parts.forEach((p, i) => {
      const w = this.workers[i]!;
      if (p.length > MAX_ARGS) throw new Error(`a SIMD call with ${p.length} arguments (at most ${MAX_ARGS})`);
      w.args.set(p);
      w.ctrl[FN] = fn;
      w.ctrl[NARGS] = p.length;
      Atomics.store(w.ctrl, SEQ, seq);
      Atomics.notify(w.ctrl, SEQ);
    });
    here();
    const deadline = Date.now() + PART_TIMEOUT_MS;
    parts.forEach((_, i) => {
      const c = this.workers[i]!.ctrl;
      let done: number;
      while ((done = Atomics.load(c, DONE)) !== seq) {
        if (Date.now() > deadline || this.broken) {
          this.broken ??= `a SIMD worker thread did not finish its part within ${PART_TIMEOUT_MS / 1000} s`;
          throw new BackendError('wasm', `${this.broken}; the wasm backend's own kernels run on one thread from now on (or set DYNAXX_WASM_THREADS=1)`);
        }
        Atomics.wait(c, DONE, done, 100);
      }
      if (Atomics.exchange(c, FAILED, 0) !== 0) throw new BackendError('wasm', 'a SIMD worker thread failed a kernel (memory access out of bounds?)');
    });
  }

  /** Stops the workers (tests; a process's pool otherwise lives as long as it does). */
  close(): void {
    for (const w of this.workers) {
      Atomics.store(w.ctrl, SEQ, -1);
      Atomics.notify(w.ctrl, SEQ);
    }
    this.broken = 'closed';
  }
}

/**
 * Splits [0, total) into at most `parts` ranges of whole `grain`s, none under `min` (so a small call stays one part):
 * [from, length] pairs.
 */
export function ranges(total: number, parts: number, grain: number, min: number): Array<[number, number]> {
  const n = Math.max(1, Math.min(parts, Math.floor(total / Math.max(min, grain))));
  const grains = Math.floor(total / grain);
  const out: Array<[number, number]> = [];
  let from = 0;
  for (let i = 0; i < n; i++) {
    const to = i === n - 1 ? total : Math.round(((i + 1) * grains) / n) * grain;
    if (to > from) out.push([from, to - from]);
    from = to;
  }
  return out;
}

/** A part smaller than this runs with the rest: handing it over (~0.1 ms to wake a worker on a VM) would cost more. */
export const MIN_PART_BYTES = 1 << 20;

const pools = new WeakMap<object, SimdPool>();
let kernelThreads = 1;

/** How many threads the wasm kernels' pool runs (wasm-kernels.ts sets it before installing them; 1: no workers). */
export function setKernelThreads(n: number): void {
  kernelThreads = n;
}

/** The pool on the wasm backend's heap (one per heap, made at its first use), or undefined where the heap is not found. */
export function kernelPool(): SimdPool | undefined {
  const memory = heapMemory(tf.findBackend('wasm'));
  if (!memory) return undefined;
  let p = pools.get(memory);
  if (!p) pools.set(memory, (p = new SimdPool(memory, Math.max(0, kernelThreads - 1))));
  return p;
}
