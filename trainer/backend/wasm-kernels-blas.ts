/**
 * Matrix products and convolutions of the wasm backend on the machine's BLAS (blas.ts: OpenBLAS, MKL, BLIS,
 * Accelerate), reading and writing tensors where they lie in the wasm heap (issue 19):
 * - BatchMatMul and _FusedMatMul: one cblas_sgemm per batch entry, transposes as BLAS flags (no copies), a bias added
 *   and relu applied in one SIMD pass over the output;
 * - Conv2D and FusedConv2D (NHWC, no dilation): im2col (wasm-kernels-im2col.ts) then one sgemm, [N·Ho·Wo, kh·kw·Cin] · [kh·kw·Cin, Cout]
 *   (the filter's own layout); a 1×1 stride-1 convolution multiplies the input as it is;
 * - Conv2DBackpropFilter: dW = colsᵀ · dY, with the forward pass's im2col reused when the same input comes back
 *   (a training step's filter gradient); Conv2DBackpropInput: dcols = dY · Wᵀ then col2im.
 * Everything else (other dtypes, NCHW, dilations, broadcasts it does not cover, prelu) goes to the kernel it replaced.
 * Results match tfjs's to float32 rounding: the same products, summed in another order (wasm-kernels-blas.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { NO_TRANS, ROW_MAJOR, TRANS, useThreads, type Blas } from './blas';
import { conv2DBackpropFilter as convBackpropFilterXnn, conv2DBackpropInput as convBackpropInputXnn } from './wasm-kernels-conv';
import { f32, replaceWasmKernel, wasmKernel, type KernelArgs, type KernelFn, type WasmBackendLike } from './wasm-kernels-heap';
import { Im2col, im2colFns } from './wasm-kernels-im2col';
import { Fn, heapMemory, OP, T } from './wasm-kernels-simd';
import { kernelPool, MIN_PART_BYTES, ranges, type PooledModule } from './wasm-simd-pool';

type Sgemm = Blas['sgemm'];
type Activation = 'linear' | 'relu' | 'relu6' | 'prelu' | 'elu' | 'leakyrelu' | 'sigmoid';
const F32X4_MAX = [0xfd, 0xe9, 0x01] as const;

/** bias(out, bias, rows, rowBytes): out[r, c] += bias[c]; biasRelu the same then max(·, 0); relu(out, 0, 1, nBytes). */
function epilogueFns(): Fn[] {
  const make = (name: string, bias: boolean, relu: boolean) => {
    const f = new Fn(name, [['out', T.i32], ['bias', T.i32], ['rows', T.i32], ['rowBytes', T.i32]]);
    f.local('p', T.i32).local('pend', T.i32).local('c', T.i32).local('zero', T.v128);
    f.i32(0).op(OP.i32x4Splat).set('zero');
    f.get('out').get('rows', 'rowBytes').op(OP.i32Mul, OP.i32Add).set('pend');
    f.get('out').set('p');
    return f.while('p', 'pend', 'rowBytes', (b) => {
      b.i32(0).set('c').while('c', 'rowBytes', 16, (c) => {
        c.get('p', 'c').op(OP.i32Add).load('p', 'c');
        if (bias) c.load('bias', 'c').op(OP.f32x4Add);
        if (relu) c.get('zero').op(F32X4_MAX);
        c.op(OP.v128Store);
      });
    });
  };
  return [make('bias', true, false), make('biasRelu', true, true), make('relu', false, true)];
}

type Geometry = tf.backend_util.Conv2DInfo;

/** A convolution whose im2col is the input itself: 1×1, stride 1, no padding. */
function isPointwise(g: Geometry): boolean {
  const { top, left, bottom, right } = g.padInfo;
  return g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 && g.strideWidth === 1 && top === 0 && left === 0 && bottom === 0 && right === 0;
}

function geometryKey(g: Geometry): string {
  const p = g.padInfo;
  return [g.batchSize, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, p.top, p.left].join(',');
}

/**
 * im2col matrices (heap tensors) by input (its dataId; tfjs tensors never change in place) and geometry: the forward
 * pass's cols serve the filter gradient of the same step. At most CACHE_BYTES are kept, oldest dropped first; only
 * while a gradient is recorded; an entry goes with its filter gradient or its input, whichever comes first.
 */
const CACHE_BYTES = 512 * 2 ** 20;
const colsCache = new Map<object, { key: string; cols: tf.TensorInfo; bytes: number; backend: WasmBackendLike }>();
let cachedBytes = 0;

function drop(id: object): void {
  const e = colsCache.get(id);
  if (!e) return;
  cachedBytes -= e.bytes;
  colsCache.delete(id);
  e.backend.disposeData(e.cols.dataId);
}

/** Whether a gradient is being recorded (then a convolution's cols will serve its filter gradient). */
function recordingGradients(): boolean {
  return ((tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth ?? 0) > 0;
}

/** The BLAS kernels for one backend: sgemm, the SIMD epilogue and the kernels each replaced. */
class BlasKernels {
  constructor(
    private readonly sgemm: Sgemm,
    private readonly epi: PooledModule,
    private readonly patches: Im2col,
  ) {}

  /** x's patch matrix: from the cache, or made (and kept when `keep`); `owned` when the caller must dispose it. */
  private colsFor(backend: WasmBackendLike, x: tf.TensorInfo, g: Geometry, keep: boolean): { cols: tf.TensorInfo; owned: boolean } {
    const key = geometryKey(g);
    const hit = colsCache.get(x.dataId);
    if (hit && hit.key === key) return { cols: hit.cols, owned: false };
    const cols = this.patches.im2col(backend, x, g);
    const bytes = tf.util.sizeFromShape(cols.shape) * 4;
    if (!keep || bytes > CACHE_BYTES) return { cols, owned: true };
    if (hit) drop(x.dataId);
    while (cachedBytes + bytes > CACHE_BYTES) drop(colsCache.keys().next().value!);
    colsCache.set(x.dataId, { key, cols, bytes, backend });
    cachedBytes += bytes;
    return { cols, owned: false };
  }

  private ptr(backend: WasmBackendLike, t: tf.TensorInfo): number {
    return backend.dataIdMap.get(t.dataId)!.memoryOffset;
  }

  /**
   * Adds `bias` (broadcast along the last axis, or undefined) and applies `activation` to `out` ([rows, cols]) in place
   * where the SIMD epilogue can; otherwise through tfjs's own kernels. Returns the result (out, or a new tensor).
   */
  epilogue(backend: WasmBackendLike, out: tf.TensorInfo, rows: number, cols: number, bias: tf.TensorInfo | undefined, activation: Activation, alpha: number, prelu: tf.TensorInfo | undefined): tf.TensorInfo {
    const simd = cols % 4 === 0;
    const relu = activation === 'relu';
    const perColumn = bias !== undefined && tf.util.sizeFromShape(bias.shape) === cols;
    if (bias && perColumn && simd) {
      const [o, b] = [this.ptr(backend, out), this.ptr(backend, bias)];
      const parts = ranges(rows, this.epi.threads, 1, Math.ceil(MIN_PART_BYTES / (cols * 4)));
      this.epi.run(relu ? 'biasRelu' : 'bias', parts.map(([r0, n]) => [o + r0 * cols * 4, b, n, cols * 4]));
      if (relu) return out;
    } else if (bias && perColumn) {
      // a width the SIMD pass cannot take (a 10-class output layer): in place in JS, as float32 sums; tfjs's Add would
      // allocate and, on its thread pool, wait longer for its workers than such a sum takes
      const [o, b] = [f32(backend, out), f32(backend, bias)];
      for (let i = 0; i < o.length; i++) {
        const v = o[i]! + b[i % cols]!;
        o[i] = relu && v < 0 ? 0 : v; // NaN stays NaN, as in the SIMD pass (a diverging run must show it)
      }
      if (relu) return out;
    } else if (bias) {
      const sum = wasmKernel('Add')!({ inputs: { a: out, b: bias }, backend }) as tf.TensorInfo;
      backend.disposeData(out.dataId);
      out = sum;
    }
    if (activation === 'linear') return out;
    if (relu && (rows * cols) % 4 === 0) {
      const o = this.ptr(backend, out);
      this.epi.run('relu', ranges(rows * cols * 4, this.epi.threads, 16, MIN_PART_BYTES).map(([from, len]) => [o + from, 0, 1, len]));
      return out;
    }
    const kernel: Record<Exclude<Activation, 'linear'>, [string, Record<string, tf.TensorInfo>, Record<string, unknown>]> = {
      relu: ['Relu', { x: out }, {}],
      relu6: ['Relu6', { x: out }, {}],
      elu: ['Elu', { x: out }, {}],
      sigmoid: ['Sigmoid', { x: out }, {}],
      leakyrelu: ['LeakyRelu', { x: out }, { alpha }],
      prelu: ['Prelu', { x: out, alpha: prelu! }, {}],
    };
    const [name, inputs, attrs] = kernel[activation];
    const y = wasmKernel(name)!({ inputs, backend, attrs }) as tf.TensorInfo;
    backend.disposeData(out.dataId);
    return y;
  }

  /** BatchMatMul / _FusedMatMul; undefined where it does not apply (the caller falls back). */
  matMul(args: KernelArgs): tf.TensorInfo | undefined {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: Activation; leakyreluAlpha?: number };
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
    const activation = attrs.activation ?? 'linear';
    if (bias && bias.dtype !== 'float32') return undefined;
    const tA = !!attrs.transposeA;
    const tB = !!attrs.transposeB;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const M = a.shape[tA ? ra - 1 : ra - 2]!;
    const K = a.shape[tA ? ra - 2 : ra - 1]!;
    const N = b.shape[tB ? rb - 2 : rb - 1]!;
    if (b.shape[tB ? rb - 1 : rb - 2] !== K) return undefined;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    let outer: number[];
    if (outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i])) outer = outerA;
    else if (batchB === 1 && outerA.length >= outerB.length) outer = outerA;
    else if (batchA === 1 && outerB.length >= outerA.length) outer = outerB;
    else return undefined;
    const batch = tf.util.sizeFromShape(outer);
    const backend = args.backend as WasmBackendLike;
    const out = backend.makeOutput([...outer, M, N], 'float32');
    if (M * N > 0) {
      const A = f32(backend, a);
      const B = f32(backend, b);
      const C = f32(backend, out);
      if (K === 0) C.fill(0);
      else {
        for (let i = 0; i < batch; i++) {
          const ia = batchA === 1 ? 0 : i;
          const ib = batchB === 1 ? 0 : i;
          this.sgemm(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, M, N, K, 1,
            A.subarray(ia * M * K, (ia + 1) * M * K), tA ? M : K, B.subarray(ib * K * N, (ib + 1) * K * N), tB ? K : N, 0,
            C.subarray(i * M * N, (i + 1) * M * N), N);
        }
      }
    }
    return this.epilogue(backend, out, batch * M, N, bias, activation, attrs.leakyreluAlpha ?? 0.2, preluActivationWeights);
  }

  /** The geometry of a convolution this file handles (NHWC, float32, no dilation), or undefined. */
  private geometry(xShape: number[], filterShape: number[], attrs: Record<string, unknown>): Geometry | undefined {
    if (attrs.dataFormat === 'NCHW') return undefined;
    const d = attrs.dilations as number | [number, number] | undefined;
    if (d !== undefined && (Array.isArray(d) ? d[0] !== 1 || d[1] !== 1 : d !== 1)) return undefined;
    return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number],
      attrs.strides as number | [number, number], 1, attrs.pad as 'same', attrs.dimRoundingMode as 'floor' | undefined, false, 'channelsLast');
  }

  /** Conv2D / FusedConv2D; undefined where it does not apply. */
  conv2D(args: KernelArgs): tf.TensorInfo | undefined {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = (args.attrs ?? {}) as Record<string, unknown>;
    if (!x || !filter || x.dtype !== 'float32' || filter.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return undefined;
    const g = this.geometry(x.shape, filter.shape, attrs);
    if (!g) return undefined;
    const backend = args.backend as WasmBackendLike;
    const rows = g.batchSize * g.outHeight * g.outWidth;
    const K = g.filterHeight * g.filterWidth * g.inChannels;
    const Cout = g.outChannels;
    const out = backend.makeOutput(g.outShape, 'float32');
    if (rows * Cout > 0) {
      const c = isPointwise(g) ? { cols: x, owned: false } : this.colsFor(backend, x, g, recordingGradients());
      // views taken after every allocation (a heap growth detaches older ones)
      this.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, rows, Cout, K, 1, f32(backend, c.cols), K, f32(backend, filter), Cout, 0, f32(backend, out), Cout);
      if (c.owned) backend.disposeData(c.cols.dataId);
    }
    return this.epilogue(backend, out, rows, Cout, bias, (attrs.activation as Activation | undefined) ?? 'linear', (attrs.leakyreluAlpha as number | undefined) ?? 0.2, preluActivationWeights);
  }

  /** Conv2DBackpropFilter: dW[kh·kw·Cin, Cout] = colsᵀ · dY. */
  backpropFilter(args: KernelArgs): tf.TensorInfo | undefined {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as Record<string, unknown> & { filterShape: number[] };
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
    const g = this.geometry(x.shape, attrs.filterShape, attrs);
    if (!g) return undefined;
    const backend = args.backend as WasmBackendLike;
    const rows = g.batchSize * g.outHeight * g.outWidth;
    const K = g.filterHeight * g.filterWidth * g.inChannels;
    const dw = backend.makeOutput(attrs.filterShape, 'float32');
    if (rows === 0) f32(backend, dw).fill(0);
    else if (K * g.outChannels > 0) {
      const c = isPointwise(g) ? { cols: x, owned: false } : this.colsFor(backend, x, g, false);
      this.sgemm(ROW_MAJOR, TRANS, NO_TRANS, K, g.outChannels, rows, 1, f32(backend, c.cols), K, f32(backend, dy), g.outChannels, 0, f32(backend, dw), g.outChannels);
      if (c.owned) backend.disposeData(c.cols.dataId);
    }
    drop(x.dataId);
    return dw;
  }

  /** Conv2DBackpropInput: dcols = dY · Wᵀ, then col2im. */
  backpropInput(args: KernelArgs): tf.TensorInfo | undefined {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as Record<string, unknown> & { inputShape: number[] };
    if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
    const g = this.geometry(attrs.inputShape, filter.shape, attrs);
    if (!g) return undefined;
    const backend = args.backend as WasmBackendLike;
    const rows = g.batchSize * g.outHeight * g.outWidth;
    const K = g.filterHeight * g.filterWidth * g.inChannels;
    const Cout = g.outChannels;
    const dx = backend.makeOutput(attrs.inputShape, 'float32');
    if (rows * K === 0 || Cout === 0) {
      f32(backend, dx).fill(0);
      return dx;
    }
    if (isPointwise(g)) {
      this.sgemm(ROW_MAJOR, NO_TRANS, TRANS, rows, K, Cout, 1, f32(backend, dy), Cout, f32(backend, filter), Cout, 0, f32(backend, dx), K);
      return dx;
    }
    const dcols = backend.makeOutput([rows, K], 'float32');
    this.sgemm(ROW_MAJOR, NO_TRANS, TRANS, rows, K, Cout, 1, f32(backend, dy), Cout, f32(backend, filter), Cout, 0, f32(backend, dcols), K);
    this.patches.col2im(backend, dcols, dx, g);
    backend.disposeData(dcols.dataId);
    return dx;
  }
}

/** Products below this many multiply-adds run on one BLAS thread (4M: measured best of 0, 4M and 16M on the MLP). */
const SMALL_MACS = 1 << 22;

/**
 * sgemm that runs small products on one thread: waking the BLAS's sleeping threads (blas.ts lets them sleep right away)
 * costs more than such a product (a 64×10·10×1024 one took 1 ms in a training step, 30 µs alone; the MLP's step at
 * batch 64 is ~7% shorter this way on the 2-core VM).
 */
function threadedBySize(blas: Blas): Sgemm {
  const set = blas.setThreads;
  if (!set || blas.threads === 1) return blas.sgemm;
  let now = blas.threads;
  return (order, tA, tB, M, N, K, ...rest) => {
    const want = M * N * K < SMALL_MACS ? 1 : blas.threads;
    if (want !== now) set((now = want));
    blas.sgemm(order, tA, tB, M, N, K, ...rest);
  };
}

/** Replaces the wasm backend's matMul and conv kernels by BLAS ones (once); false where the SIMD epilogue cannot load. */
export function installBlasKernels(blas: Blas): boolean {
  const memory = heapMemory(tf.findBackend('wasm'));
  const mod = memory && kernelPool()?.load([...epilogueFns(), ...im2colFns()]);
  if (!memory || !mod) return false;
  useThreads(blas);
  const k = new BlasKernels(threadedBySize(blas), mod, new Im2col(mod, memory));
  // a cached im2col lives no longer than its input (a filter gradient that is never taken leaves it behind otherwise)
  const backend = tf.findBackend('wasm') as unknown as WasmBackendLike & { disposeData(id: object, force?: boolean): boolean };
  const disposeData = backend.disposeData.bind(backend);
  backend.disposeData = (id: object, force?: boolean) => {
    const done = disposeData(id, force);
    if (colsCache.has(id)) drop(id);
    return done;
  };
  const via = (own: (a: KernelArgs) => tf.TensorInfo | undefined) => (original: KernelFn | undefined): KernelFn => (args) => {
    const r = own(args);
    if (r) return r;
    if (!original) throw new Error('no wasm kernel for this case');
    return original(args);
  };
  replaceWasmKernel('BatchMatMul', via((a) => k.matMul(a)));
  replaceWasmKernel('_FusedMatMul', via((a) => k.matMul(a)));
  replaceWasmKernel('Conv2D', via((a) => k.conv2D(a)));
  replaceWasmKernel('FusedConv2D', via((a) => k.conv2D(a)));
  // what BLAS does not cover goes to the XNNPACK-based kernels of wasm-kernels-conv.ts
  replaceWasmKernel('Conv2DBackpropFilter', () => (args) => k.backpropFilter(args) ?? convBackpropFilterXnn(args));
  replaceWasmKernel('Conv2DBackpropInput', (original) => (args) => k.backpropInput(args) ?? convBackpropInputXnn(args, original!));
  return true;
}
