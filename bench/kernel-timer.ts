/**
 * Times every kernel of a synchronous backend (wasm, cpu, tensorflow): each registered kernel function of the active
 * backend is wrapped so that its call is timed with performance.now(), nested kernel calls subtracted (a kernel that
 * runs another through the engine counts only its own time). On wasm this is what tfjs's profiler measures
 * (`tf.profile()`: the backend's time(f) is the wall time of the synchronous f), minus what the profiler adds: it
 * reads every kernel's output back (CHECK_COMPUTATION_FOR_ERRORS), records shapes and memory, and counts nested
 * kernels in their parent's time too. On WebGPU the kernel function only records work: not measured here.
 *
 * The engine looks kernels up by name at each call, so a wrapper registered now takes effect at the next call.
 * Install it after every kernel override (trainer/backend/wasm*.ts) is in place, that is after initBackend().
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelTotal } from './profile-aggregate';

type KernelFn = (args: unknown) => unknown;

export interface KernelTimer {
  /** Starts recording (wrapped kernels run untimed until then). */
  start(): void;
  /** Stops recording and returns the totals since start(). */
  stop(): KernelTotal[];
  /** Puts the original kernel functions back. */
  uninstall(): void;
  /** How many kernel functions are wrapped. */
  wrapped: number;
}

export function installKernelTimer(backendName = tf.getBackend()): KernelTimer {
  const configs = tf.getKernelsForBackend(backendName);
  const totals = new Map<string, { ms: number; calls: number }>();
  // own-time bookkeeping: the time of nested kernel calls, per open call
  const nested: number[] = [];
  let on = false;
  for (const config of configs) {
    const inner = config.kernelFunc as unknown as KernelFn;
    const name = config.kernelName;
    const timed = (args: unknown) => {
      if (!on) return inner(args);
      const t0 = performance.now();
      nested.push(0);
      try {
        return inner(args);
      } finally {
        const dt = performance.now() - t0;
        const own = dt - nested.pop()!;
        if (nested.length > 0) nested[nested.length - 1] += dt;
        const t = totals.get(name) ?? { ms: 0, calls: 0 };
        t.ms += own;
        t.calls++;
        totals.set(name, t);
      }
    };
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({ ...config, kernelFunc: timed as unknown as tf.KernelFunc });
  }
  return {
    wrapped: configs.length,
    start() {
      totals.clear();
      on = true;
    },
    stop() {
      on = false;
      return [...totals].map(([name, t]) => ({ name, calls: t.calls, ms: t.ms }));
    },
    uninstall() {
      on = false;
      for (const config of configs) {
        tf.unregisterKernel(config.kernelName, backendName);
        tf.registerKernel(config);
      }
    },
  };
}
