/** tfjs's plain JavaScript backend: always available, slowest, bit-for-bit reproducible. */
import * as tf from '@tensorflow/tfjs-core';
// the import registers the backend; naming an export keeps bundlers from dropping it as side-effect free
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { cpus } from 'node:os';
import type { Backend } from './backend';

export const cpuBackend: Backend = {
  name: 'cpu',
  async probe() {
    return { name: 'cpu', available: true, device: cpuName() };
  },
  async init() {
    if (!tf.findBackendFactory('cpu')) throw new Error(`tfjs-backend-cpu ${version_cpu} did not register itself`);
    await tf.setBackend('cpu');
    await tf.ready();
    // the cpu backend prints a banner suggesting tfjs-node on first use; `dynaxx backends` says that better
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return cpuName();
  },
};

export function cpuName(): string {
  const c = cpus();
  return `${c[0]?.model?.trim() ?? 'CPU'} (${c.length} cores)`;
}
