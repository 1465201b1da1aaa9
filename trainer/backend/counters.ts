/**
 * What a training step costs the host, counted on any backend: kernels launched through the engine, host reads
 * (backend read/readSync: on a GPU each is a sync), and on WebGPU the GPU objects behind them (dispatches, buffers
 * and bind groups created, queue submits). The benchmark divides the difference of two snapshots by the steps
 * between them; tests assert on it. Counting costs an increment per call.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface BackendCounters {
  /** Kernels run through the engine (ops, including those inside gradients). */
  kernels: number;
  /** Host reads of tensor data (read or readSync on the backend). */
  hostReads: number;
  /** WebGPU: compute dispatches recorded (tfjs programs and our own). 0 elsewhere. */
  dispatches: number;
  /** WebGPU: GPUBuffers created (device.createBuffer). 0 elsewhere. */
  buffersCreated: number;
  /** WebGPU: bind groups created (device.createBindGroup; cached ones are not counted). 0 elsewhere. */
  bindGroups: number;
  /** WebGPU: command buffers submitted (queue.submit). 0 elsewhere. */
  submits: number;
  /** WebGPU: host time spent recording dispatches (uploads, bind groups, encoding, submits), in microseconds. */
  dispatchMicros: number;
}

const counts: BackendCounters = { kernels: 0, hostReads: 0, dispatches: 0, buffersCreated: 0, bindGroups: 0, submits: 0, dispatchMicros: 0 };

/** A copy of the running totals since this process started counting. */
export function counters(): BackendCounters {
  return { ...counts };
}

/** Per-step averages between two snapshots. */
export function perStep(before: BackendCounters, after: BackendCounters, steps: number): BackendCounters {
  const out = {} as BackendCounters;
  for (const k of Object.keys(counts) as Array<keyof BackendCounters>) out[k] = (after[k] - before[k]) / Math.max(1, steps);
  return out;
}

/** Adds to one counter (the WebGPU device wrapper counts its own objects). */
export function count(key: keyof BackendCounters, n = 1): void {
  counts[key] += n;
}

let installedOn: object | undefined;

/** Wraps the engine's runKernel and the active backend's reads; called once a backend is selected. */
export function installCounters(): void {
  const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown; backend: object };
  const backend = engine.backend as { read?: (...a: unknown[]) => unknown; readSync?: (...a: unknown[]) => unknown };
  if (installedOn === backend) return;
  installedOn = backend;
  if (!(engine.runKernel as { counted?: boolean }).counted) {
    const run = engine.runKernel.bind(engine);
    const wrapped = (...a: unknown[]) => {
      counts.kernels++;
      return run(...a);
    };
    (wrapped as { counted?: boolean }).counted = true;
    engine.runKernel = wrapped;
  }
  for (const m of ['read', 'readSync'] as const) {
    const f = backend[m];
    if (typeof f !== 'function') continue;
    backend[m] = (...a: unknown[]) => {
      counts.hostReads++;
      return f.apply(backend, a);
    };
  }
}
