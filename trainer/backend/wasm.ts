/** tfjs's WebAssembly backend (XNNPACK, SIMD): the fast CPU path. The .wasm files ship in the npm package. */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BackendError, type Backend } from './backend';
import { cpuName } from './cpu';
import { installWasmKernels } from './wasm-kernels';
import { installWasmMatMulFix } from './wasm-matmul';

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
    return { name: 'wasm', available: true, device: `${cpuName()}, WebAssembly SIMD` };
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
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new BackendError('wasm', `the wasm backend failed to initialise from ${dir}`);
    await tf.ready();
    installWasmMatMulFix();
    installWasmKernels();
    return `${cpuName()}, WebAssembly SIMD`;
  },
};
