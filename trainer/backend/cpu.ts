/** tfjs's plain JavaScript backend: always available, slowest, bit-for-bit reproducible. */
import * as tf from '@tensorflow/tfjs-core';
// the import registers the backend; naming an export keeps bundlers from dropping it as side-effect free
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { cpus } from 'node:os';
import type { Backend } from './backends';

export const cpuBackend: Backend = {
  name: 'cpu',
  async probe() {
    return { name: 'cpu', available: true, device: cpuName() };
  },
  async init() {
    await tf.setBackend('cpu');
    await tf.ready();
    return cpuName();
  },
};

/** Version of the bundled tfjs cpu backend. */
export const CPU_BACKEND_VERSION = version_cpu;

export function cpuName(): string {
  const c = cpus();
  return `${c[0]?.model?.trim() ?? 'CPU'} (${c.length} cores)`;
}
