/**
 * WebGPU through Dawn (`dawn.node` from the npm package `webgpu`). `navigator.gpu` and Dawn's globals
 * must be on globalThis before @tensorflow/tfjs-backend-webgpu is loaded, so the backend module is
 * required lazily, after the shims.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BackendError, type Backend } from './backend';
import { registerWebGpuFactory, type GpuAdapter } from './webgpu-device';
import { hostSettings, installWebGpuHost } from './webgpu-host';
import { installWebGpuOptimizer } from './webgpu-optimizer';
import { installWebGpuSumSquares } from './webgpu-sum-squares';
import { installWebGpuXent } from './webgpu-xent';
import { installWebGpuKernels } from './webgpu-kernels';

interface DawnModule {
  create(flags: string[]): { requestAdapter(opts?: unknown): Promise<GpuAdapter | null> };
  globals: Record<string, unknown>;
}

const HOW_TO = 'WebGPU needs dawn.node (from the npm package `webgpu`, or $DAWN_NODE) and a Vulkan driver ' +
  '(Linux: the Vulkan loader libvulkan1 and, on NVIDIA, VK_DRIVER_FILES pointing at nvidia_icd.json)';

/** $DAWN_NODE, beside the bundle, or in node_modules/webgpu. */
export function dawnPath(): string | undefined {
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const candidates: string[] = [];
  if (process.env.DAWN_NODE) candidates.push(process.env.DAWN_NODE);
  candidates.push(join(__dirname, 'dawn.node'));
  try {
    candidates.push(join(dirname(require.resolve('webgpu/package.json')), 'dist', `${process.platform}-${arch}`, 'dawn.node'));
  } catch {
    // package not installed here
  }
  return candidates.find((p) => existsSync(p));
}

/**
 * Linux: whether the Vulkan loader is installed. Checked before loading Dawn, which otherwise prints its
 * own loader warning to stderr and finds no adapter.
 */
export function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib64', '/usr/lib', '/lib64', '/lib', '/usr/local/lib',
  ];
  if (dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return true;
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('libvulkan.so.1');
}

type Found = { ok: true; device: string; software: boolean; adapter: GpuAdapter } | { ok: false; detail: string };
let adapterInfo: Promise<Found> | undefined;

/**
 * Whether an adapter is a software emulation (lavapipe/llvmpipe, SwiftShader, WARP): Dawn's isFallbackAdapter, or a
 * device name that says so. It runs WebGPU correctly but 10–100× slower than wasm on the same CPU.
 */
export function isSoftwareAdapter(adapter: GpuAdapter): boolean {
  if (adapter.info?.isFallbackAdapter || adapter.isFallbackAdapter) return true;
  const i = adapter.info ?? {};
  return /llvmpipe|lavapipe|softpipe|swiftshader|\bwarp\b|software/i.test([i.vendor, i.architecture, i.device, i.description].join(' '));
}

/** Installs the shims once and asks Dawn for an adapter. */
function findAdapter(): Promise<Found> {
  adapterInfo ??= (async (): Promise<Found> => {
    const path = dawnPath();
    if (!path) return { ok: false as const, detail: `dawn.node not found. ${HOW_TO}` };
    if (!vulkanLoaderPresent()) {
      return { ok: false as const, detail: 'the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: apt-get install libvulkan1), and WebGPU runs on Vulkan here' };
    }
    let dawn: DawnModule;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      dawn = require(path) as DawnModule;
    } catch (e) {
      return { ok: false as const, detail: `cannot load ${path}: ${(e as Error).message}` };
    }
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true, writable: true });
    let adapter: GpuAdapter | null = null;
    try {
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    } catch (e) {
      return { ok: false as const, detail: `requestAdapter failed: ${(e as Error).message}. ${HOW_TO}` };
    }
    if (!adapter) return { ok: false as const, detail: `no WebGPU adapter found. ${HOW_TO}` };
    const info = adapter.info ?? {};
    const software = isSoftwareAdapter(adapter);
    const name = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ') || 'WebGPU adapter';
    const device = software ? `${name} (software emulation, no GPU: slower than wasm)` : name;
    return { ok: true as const, device, software, adapter };
  })();
  return adapterInfo;
}

export const webgpuBackend: Backend = {
  name: 'webgpu',
  async probe() {
    const a = await findAdapter();
    return a.ok ? { name: 'webgpu', available: true, device: a.device, ...(a.software ? { software: true } : {}) } : { name: 'webgpu', available: false, detail: a.detail };
  },
  async init() {
    const a = await findAdapter();
    if (!a.ok) throw new BackendError('webgpu', a.detail);
    // loading the package registers tfjs's kernels (and its own device factory, which ours replaces)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-webgpu');
    const settings = hostSettings();
    registerWebGpuFactory(a.adapter);
    const ok = await tf.setBackend('webgpu');
    if (!ok) throw new BackendError('webgpu', `tfjs could not start its webgpu backend on ${a.device}`);
    await tf.ready();
    installWebGpuKernels();
    installWebGpuHost(settings);
    if (!settings.off.has('fused-optimizer')) installWebGpuOptimizer();
    if (!settings.off.has('fused-norm')) installWebGpuSumSquares();
    if (!settings.off.has('fused-loss')) installWebGpuXent();
    return a.device;
  },
};
