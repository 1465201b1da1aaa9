/**
 * The native TensorFlow backend from @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node. Optional: the
 * packages download libtensorflow at install time (and the GPU build needs CUDA 11.2 + cuDNN 8.1), so
 * they are not dependencies; they are loaded when the user has installed one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, type Backend } from './backend';

const PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
const HOW_TO = 'install it with `npm install @tensorflow/tfjs-node-gpu` (NVIDIA, needs CUDA 11.2 and cuDNN 8.1) ' +
  'or `npm install @tensorflow/tfjs-node` (CPU); both download libtensorflow during install';

function installed(): string | undefined {
  for (const p of PACKAGES) {
    try {
      require.resolve(p);
      return p;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

export const tensorflowBackend: Backend = {
  name: 'tensorflow',
  async probe() {
    const p = installed();
    return p ? { name: 'tensorflow', available: true, device: p } : { name: 'tensorflow', available: false, detail: `not installed: ${HOW_TO}` };
  },
  async init() {
    const p = installed();
    if (!p) throw new BackendError('tensorflow', `neither ${PACKAGES.join(' nor ')} is installed: ${HOW_TO}`);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(p);
    } catch (e) {
      throw new BackendError('tensorflow', `${p} is installed but failed to load (${(e as Error).message.split('\n')[0]}); reinstall it, or pick another backend`);
    }
    if (!tf.findBackendFactory('tensorflow')) {
      throw new BackendError('tensorflow', `${p} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs-core (version mismatch?); install the same version as @tensorflow/tfjs-core`);
    }
    const ok = await tf.setBackend('tensorflow');
    if (!ok) throw new BackendError('tensorflow', `${p} failed to initialise`);
    await tf.ready();
    return p.endsWith('-gpu') ? 'TensorFlow (CUDA)' : 'TensorFlow (CPU)';
  },
};
