/** tfjs's plain JavaScript backend: always available, slowest, bit-for-bit reproducible. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
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

export function cpuName(): string {
  const c = cpus();
  return `${c[0]?.model?.trim() ?? 'CPU'} (${c.length} cores)`;
}
