/**
 * The parse workers: a small pool of `worker_threads` (spawned on demand, one kept spare) that run `parseModelText`
 * off the server's main thread, so a hostile model file (an alias bomb, a huge file) cannot stall the other
 * documents and requests. A job that runs past `timeoutMs` ends with `timeout`: its worker is terminated and
 * replaced. One job per key (document) runs at a time; a newer job for the same key replaces a queued one.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DocumentResult, ParseJob, WorkerMessage } from './parse-job';

export type ParseOutcome =
  | { kind: 'done'; result: DocumentResult }
  /** Ran past the time limit; the worker was replaced. */
  | { kind: 'timeout'; ms: number }
  /** The worker died (out of memory, or it could not start). */
  | { kind: 'crashed'; message: string; outOfMemory: boolean }
  /** A newer job for the same key replaced this one before it started. */
  | { kind: 'superseded' };

export interface PoolOptions {
  timeoutMs: number;
  maxWorkers: number;
  /** Heap of each worker (MB): an alias bomb ends as `crashed` with `outOfMemory` instead of filling the machine. */
  heapMb?: number;
}

interface Queued { key: string; job: Omit<ParseJob, 'id'>; resolve: (o: ParseOutcome) => void }
interface Slot { worker: Worker; ready: boolean; busy?: { entry: Queued; timer: NodeJS.Timeout } }

const STARTUP_MS = 60_000;

export class ParsePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private readonly running = new Set<string>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: PoolOptions) {}

  /** Parses in a worker; never rejects. */
  run(key: string, job: Omit<ParseJob, 'id'>): Promise<ParseOutcome> {
    if (this.disposed) return Promise.resolve({ kind: 'crashed', message: 'the language server is shutting down', outOfMemory: false });
    return new Promise((resolve) => {
      const i = this.queue.findIndex((q) => q.key === key);
      if (i >= 0) this.queue.splice(i, 1)[0]!.resolve({ kind: 'superseded' });
      this.queue.push({ key, job, resolve });
      this.pump();
    });
  }

  /** Starts a worker now, so the first parse does not wait for one. */
  prewarm(): void {
    if (this.slots.length === 0) this.spawn();
  }

  /** Jobs queued or running. */
  pending(): number {
    return this.queue.length + this.running.size;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const q of this.queue.splice(0)) q.resolve({ kind: 'superseded' });
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private pump(): void {
    if (this.disposed) return;
    for (let i = 0; i < this.queue.length; i++) {
      const entry = this.queue[i]!;
      if (this.running.has(entry.key)) continue;
      const slot = this.slots.find((s) => s.ready && !s.busy);
      if (!slot) break;
      this.queue.splice(i--, 1);
      this.dispatch(slot, entry);
    }
    // one worker starting or idle for what waits, plus a spare, up to maxWorkers
    const waiting = this.queue.filter((q) => !this.running.has(q.key)).length;
    const free = this.slots.filter((s) => !s.busy).length;
    for (let n = free; n < waiting + 1 && this.slots.length < this.options.maxWorkers; n++) this.spawn();
  }

  private dispatch(slot: Slot, entry: Queued): void {
    const timer = setTimeout(() => this.timeout(slot), this.options.timeoutMs);
    slot.busy = { entry, timer };
    this.running.add(entry.key);
    slot.worker.ref();
    slot.worker.postMessage({ ...entry.job, id: this.nextId++ } satisfies ParseJob);
  }

  private finish(slot: Slot, outcome: ParseOutcome): void {
    const busy = slot.busy;
    if (!busy) return;
    clearTimeout(busy.timer);
    slot.busy = undefined;
    slot.worker.unref();
    this.running.delete(busy.entry.key);
    busy.entry.resolve(outcome);
  }

  private timeout(slot: Slot): void {
    this.finish(slot, { kind: 'timeout', ms: this.options.timeoutMs });
    this.remove(slot);
    void slot.worker.terminate();
    this.pump();
  }

  private remove(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  private spawn(): void {
    let worker: Worker;
    try {
      worker = startWorker(this.options.heapMb ?? 1024);
    } catch (e) {
      const message = `it could not start: ${(e as Error).message.split('\n')[0]}; rebuild the extension (npm run build)`;
      for (const q of this.queue.splice(0)) q.resolve({ kind: 'crashed', message, outOfMemory: false });
      return;
    }
    const slot: Slot = { worker, ready: false };
    this.slots.push(slot);
    worker.unref();
    // never onto the server's stdout: with --stdio that is the LSP channel
    worker.stdout.pipe(process.stderr);
    const startup = setTimeout(() => died(new Error(`the parse worker did not start within ${STARTUP_MS / 1000} s`)), STARTUP_MS);
    startup.unref();
    const died = (e: Error): void => {
      clearTimeout(startup);
      if (!this.slots.includes(slot)) return;
      this.remove(slot);
      void worker.terminate();
      const outOfMemory = (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (slot.busy) this.finish(slot, { kind: 'crashed', message: e.message, outOfMemory });
      else if (!slot.ready && !this.slots.some((s) => s.ready)) {
        // a worker that cannot start will not start the next time either: fail what waits instead of looping
        for (const q of this.queue.splice(0)) q.resolve({ kind: 'crashed', message: `it could not start: ${e.message.split('\n')[0]}`, outOfMemory: false });
        return;
      }
      this.pump();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'ready') {
        clearTimeout(startup);
        slot.ready = true;
        this.pump();
      } else if (slot.busy) {
        this.finish(slot, { kind: 'done', result: m.result });
        this.pump();
      }
    });
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`the parse worker exited (code ${code})`)));
  }
}

/**
 * A parse worker: the bundle `server-parse-worker.js` beside the server bundle (`dist/`), or, when the server
 * runs from the TypeScript sources (tests), `parse-worker.ts` through tsx.
 */
function startWorker(heapMb: number): Worker {
  const options = { resourceLimits: { maxOldGenerationSizeMb: heapMb }, stdout: true };
  const bundled = join(__dirname, 'server-parse-worker.js');
  if (existsSync(bundled)) return new Worker(bundled, options);
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  const source = join(__dirname, 'parse-worker.ts');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, { ...options, eval: true });
}
