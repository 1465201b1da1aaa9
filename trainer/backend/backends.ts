/**
 * Compute backends, behind one small interface with a registry keyed by name. `auto` tries them in
 * the order tensorflow (tfjs-node-gpu / tfjs-node, when the user installed one), webgpu (Dawn via the
 * npm package `webgpu`), wasm, cpu, and says which it picked and why.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendId, BackendProbe, BackendRequest } from '../../protocol/trainer';
import { BackendError, type Backend } from './backend';
import { cpuBackend } from './cpu';
import { installCounters } from './counters';
import { tensorflowBackend } from './tensorflow';
import { wasmBackend } from './wasm';
import { webgpuBackend } from './webgpu';

export { BackendError, type Backend } from './backend';

export const BACKENDS: Record<BackendId, Backend> = {
  tensorflow: tensorflowBackend,
  webgpu: webgpuBackend,
  wasm: wasmBackend,
  cpu: cpuBackend,
};

export const AUTO_ORDER: BackendId[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendChoice {
  backend: BackendId;
  device: string;
  /** Why this backend was used (for `auto`, what was skipped and why). */
  reason: string;
}

export async function probeAll(): Promise<BackendProbe[]> {
  return Promise.all(AUTO_ORDER.map((n) => BACKENDS[n].probe()));
}

let current: BackendChoice | undefined;

/** The backend in use in this process, once initBackend has run. */
export function currentBackend(): BackendChoice | undefined {
  return current;
}

/**
 * Selects a backend for this process. A backend can only be chosen once per process (tfjs keeps
 * global state); asking again for the same one is a no-op, for another one an error.
 */
export async function initBackend(request: BackendRequest): Promise<BackendChoice> {
  if (current) {
    if (request === 'auto' || request === current.backend) return current;
    throw new BackendError(request, `this trainer process already runs on '${current.backend}'; restart the trainer to switch to '${request}'`);
  }
  if (request !== 'auto') {
    const b = BACKENDS[request];
    if (!b) throw new BackendError(String(request), `unknown backend '${request}': use one of auto, ${AUTO_ORDER.join(', ')}`);
    const device = await b.init();
    verifyActive(request);
    current = { backend: request, device, reason: 'requested' };
    return current;
  }
  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    const probe = await BACKENDS[name].probe();
    if (!probe.available || probe.software) {
      skipped.push(`${name}: ${probe.software ? SOFTWARE : brief(probe.detail)}`);
      continue;
    }
    try {
      const device = await BACKENDS[name].init();
      verifyActive(name);
      const reason = skipped.length ? `auto picked ${name} (skipped ${skipped.join('; ')})` : `auto picked ${name}, the fastest available`;
      current = { backend: name, device, reason };
      return current;
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new BackendError('auto', `no backend could be initialised: ${skipped.join('; ')}`);
}

/** tfjs silently falls back to another backend when one fails: never let that pass unnoticed. */
function verifyActive(name: BackendId): void {
  const active = tf.getBackend();
  if (active !== name) {
    throw new BackendError(name, `tfjs reports backend '${active}' after selecting '${name}': the '${name}' backend failed to initialise`);
  }
  installCounters();
}

/** The AUTO choice without initialising anything (for `initialize`). */
export async function describeAuto(probes?: BackendProbe[]): Promise<{ backend: BackendId; reason: string }> {
  const all = probes ?? (await probeAll());
  const skipped: string[] = [];
  for (const p of all) {
    if (p.software) {
      skipped.push(`${p.name}: ${SOFTWARE}`);
      continue;
    }
    if (p.available) return { backend: p.name, reason: skipped.length ? `skipped ${skipped.join('; ')}` : 'fastest available' };
    skipped.push(`${p.name}: ${brief(p.detail)}`);
  }
  return { backend: 'cpu', reason: 'nothing else available' };
}

const SOFTWARE = 'a software adapter, slower than wasm (ask for it with --backend webgpu)';

/** The first clause of a probe's detail, for one-line `auto` reasons (`dynaxx backends` shows the whole text). */
function brief(detail: string | undefined): string {
  if (!detail) return 'unavailable';
  return detail.split(/: | \(|\. |; /)[0].trim() || detail;
}

/**
 * What one backend can allocate, for the resource check (trainer/resources): the largest tensor and, where the
 * backend has its own memory, how much of it there is. Every backend also reads weights back into JavaScript typed
 * arrays (checkpoints), so the typed-array cap applies to all of them.
 */
export interface BackendLimits {
  /** Values one tensor may hold: a typed array's length (node allows 2^32; 2^31 − 1 keeps clear of int32 indexing). */
  maxTensorValues: number;
  /** Bytes one tensor may take on the backend (wasm: a 32-bit offset; webgpu: the buffer and binding limits). */
  maxTensorBytes: number;
  /** Why maxTensorBytes is what it is, for messages. */
  tensorBytesWhy: string;
  /** All tensors together, when the backend has a fixed memory (the wasm heap); undefined: the machine's memory. */
  maxResidentBytes?: number;
  /** Where the tensors live: `host` memory (cpu, tensorflow, wasm's heap) or a `gpu` whose size is not known. */
  memory: 'host' | 'gpu';
  /** Whether the limits were read from the device (false: defaults; a tensor over them is a warning, not an error). */
  measured: boolean;
}

export const MAX_TYPED_ARRAY_VALUES = 2 ** 31 - 1;
/** tfjs-backend-wasm 4.x grows its heap to at most 4 GiB − 64 KiB (Emscripten `getHeapMax()` = 4294901760). */
export const WASM_HEAP_MAX_BYTES = 4294901760;
/** WebGPU's default maxStorageBufferBindingSize (128 MiB), what a device offers at least, when it was not asked. */
export const WEBGPU_DEFAULT_BINDING_BYTES = 2 ** 27;

/** The limits of each backend (exhaustive, like BACKENDS). */
export const BACKEND_LIMITS: Record<BackendId, () => BackendLimits> = {
  cpu: () => ({ maxTensorValues: MAX_TYPED_ARRAY_VALUES, maxTensorBytes: Infinity, tensorBytesWhy: '', memory: 'host', measured: true }),
  tensorflow: () => ({ maxTensorValues: MAX_TYPED_ARRAY_VALUES, maxTensorBytes: Infinity, tensorBytesWhy: '', memory: 'host', measured: true }),
  wasm: () => ({
    maxTensorValues: MAX_TYPED_ARRAY_VALUES, maxTensorBytes: 2 ** 31 - 1, tensorBytesWhy: 'a wasm32 tensor is addressed with a signed 32-bit offset',
    maxResidentBytes: WASM_HEAP_MAX_BYTES, memory: 'host', measured: true,
  }),
  webgpu: () => {
    const device = current?.backend === 'webgpu' ? (tf.backend() as unknown as { device?: { limits?: Record<string, number> } }).device : undefined;
    const l = device?.limits;
    const bytes = l ? Math.min(l.maxBufferSize ?? Infinity, l.maxStorageBufferBindingSize ?? Infinity) : WEBGPU_DEFAULT_BINDING_BYTES;
    return {
      maxTensorValues: MAX_TYPED_ARRAY_VALUES,
      maxTensorBytes: bytes,
      tensorBytesWhy: l ? "the device's maxBufferSize / maxStorageBufferBindingSize" : "WebGPU's default maxStorageBufferBindingSize (this adapter's own limit is read when training starts)",
      memory: 'gpu',
      measured: l !== undefined,
    };
  },
};
