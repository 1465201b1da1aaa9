/**
 * The engine's fused optimizer update (OPTIMIZER_UPDATE, contract in engine/fused-kernels.ts) for the wasm backend: one
 * SIMD pass over the heap per weight (wasm-kernels-simd.ts) instead of about ten tfjs kernels, each a full pass of its
 * own: SGD, momentum, Adam and AdamW, with the clip scale and weight decay folded in; a large weight in parts on the
 * kernel threads (wasm-simd-pool.ts), each the same per-element arithmetic. Every operation is a float32
 * operation in the order of the op-by-op update in engine/optimizers.ts, so the two agree to the last bit (the test
 * holds them equal). Like the WebGPU kernel, the new weight and slots are fresh tensors (a weight may be shared with a
 * clone, so never in place) that the variables take over.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OPTIMIZER_UPDATE, type OptimizerUpdateAttrs } from '../engine/fused-kernels';
import { f32, type KernelArgs, type WasmBackendLike } from './wasm-kernels-heap';
import { Fn, OP, T } from './wasm-kernels-simd';
import { kernelPool, MIN_PART_BYTES, ranges, type PooledModule } from './wasm-simd-pool';

const SLOTS = { sgd: 0, momentum: 1, adam: 2 } as const;
const PTRS = ['w', 'g', 'm', 'v', 'wo', 'mo', 'vo', 'end'];
/** The scalars as the op-by-op path makes them: float32 tensors, products of two of them rounded again. */
const SCALARS = ['s', 'lr', 'b1', 'b2', 'nb1', 'nb2', 'c2', 'eps', 'lrc1', 'wd', 'lrwd'] as const;
type Scalars = Record<(typeof SCALARS)[number], number>;

/** The update of one kind as a SIMD loop: `fold` adds wd·w to the gradient, `decoupled` (AdamW) subtracts lr·wd·w. */
function updateFn(kind: OptimizerUpdateAttrs['kind'], fold: boolean, decoupled: boolean): Fn {
  const f = new Fn(fnName(kind, fold, decoupled), [...PTRS.map((p): [string, number] => [p, T.i32]), ...SCALARS.map((s): [string, number] => [s, T.f32])]);
  f.local('i', T.i32);
  for (const s of SCALARS) f.local(s.toUpperCase(), T.v128);
  for (const l of ['wi', 'grad', 'm1', 'v1', 'step']) f.local(l, T.v128);
  for (const s of SCALARS) f.get(s).op(OP.f32x4Splat).set(s.toUpperCase());
  const { f32x4Mul: mul, f32x4Add: add, f32x4Sub: sub, f32x4Div: div, f32x4Sqrt: sqrt, v128Store: store, i32Add } = OP;
  return f.loop16('end', (b) => {
    b.load('w').set('wi');
    b.load('g').get('S').op(mul).set('grad');
    if (fold) b.get('grad', 'wi', 'WD').op(mul, add).set('grad');
    if (kind === 'sgd') {
      b.get('wo', 'i').op(i32Add).get('wi', 'grad', 'LR').op(mul, sub, store);
    } else if (kind === 'momentum') {
      b.get('mo', 'i').op(i32Add).load('m').get('B1').op(mul).get('grad').op(add).tee('m1').op(store);
      b.get('wo', 'i').op(i32Add).get('wi', 'm1', 'LR').op(mul, sub, store);
    } else {
      b.get('mo', 'i').op(i32Add).load('m').get('B1').op(mul).get('grad', 'NB1').op(mul, add).tee('m1').op(store);
      b.get('vo', 'i').op(i32Add).load('v').get('B2').op(mul).get('grad', 'grad').op(mul).get('NB2').op(mul, add).tee('v1').op(store);
      b.get('m1', 'v1', 'C2').op(div, sqrt).get('EPS').op(add, div).get('LRC1').op(mul).set('step');
      if (decoupled) b.get('step', 'wi', 'LRWD').op(mul, add).set('step');
      b.get('wo', 'i').op(i32Add).get('wi', 'step').op(sub, store);
    }
  });
}

const fnName = (kind: string, fold: boolean, decoupled: boolean) => `${kind}${fold ? '_fold' : ''}${decoupled ? '_decoupled' : ''}`;

const VARIANTS: Array<[OptimizerUpdateAttrs['kind'], boolean, boolean]> = [
  ['sgd', false, false], ['sgd', true, false], ['momentum', false, false], ['momentum', true, false],
  ['adam', false, false], ['adam', true, false], ['adam', false, true],
];

const r = Math.fround;

function scalars(a: OptimizerUpdateAttrs, s: number): Scalars {
  const lr = r(a.lr);
  const wd = r(a.weightDecay);
  return {
    s: r(s), lr, b1: r(a.beta1), b2: r(a.beta2), nb1: r(1 - a.beta1), nb2: r(1 - a.beta2), c2: r(a.c2), eps: r(a.epsilon),
    lrc1: r(lr / r(a.c1)), wd, lrwd: a.decoupled && wd !== 0 ? r(lr * wd) : 0,
  };
}

/** The same update in JS, float32 per operation, for the last n mod 4 elements. */
function scalarTail(kind: OptimizerUpdateAttrs['kind'], fold: boolean, k: Scalars, v: Float32Array[], from: number, n: number): void {
  const [W, G, WO, M, MO, V, VO] = v as [Float32Array, Float32Array, Float32Array, Float32Array?, Float32Array?, Float32Array?, Float32Array?];
  for (let i = from; i < n; i++) {
    const wi = W[i]!;
    const gs = r(G[i]! * k.s);
    const grad = fold ? r(gs + r(wi * k.wd)) : gs;
    if (kind === 'sgd') {
      WO[i] = wi - r(grad * k.lr);
    } else if (kind === 'momentum') {
      const m1 = r(r(M![i]! * k.b1) + grad);
      MO![i] = m1;
      WO[i] = wi - r(m1 * k.lr);
    } else {
      const m1 = r(r(M![i]! * k.b1) + r(grad * k.nb1));
      const v1 = r(r(V![i]! * k.b2) + r(r(grad * grad) * k.nb2));
      MO![i] = m1;
      VO![i] = v1;
      let step = r(r(m1 / r(r(Math.sqrt(r(v1 / k.c2))) + k.eps)) * k.lrc1);
      if (k.lrwd !== 0) step = r(step + r(wi * k.lrwd));
      WO[i] = wi - step;
    }
  }
}

function makeUpdate(mod: PooledModule) {
  return (args: KernelArgs): tf.TensorInfo[] => {
    const backend = args.backend as WasmBackendLike;
    const a = args.attrs as unknown as OptimizerUpdateAttrs;
    const { w, g, scale } = args.inputs as Record<string, tf.TensorInfo>;
    const slots = (['m', 'v'] as const).slice(0, SLOTS[a.kind]).map((key) => args.inputs[key]!);
    const outs = [w!, ...slots].map((t) => backend.makeOutput(t.shape, 'float32'));
    const k = scalars(a, f32(backend, scale!)[0]!);
    const fold = k.wd !== 0 && !(a.kind === 'adam' && a.decoupled);
    const decoupled = a.kind === 'adam' && k.lrwd !== 0;
    const ptr = (t: tf.TensorInfo | undefined) => (t ? backend.dataIdMap.get(t.dataId)!.memoryOffset : 0);
    const n = tf.util.sizeFromShape(w!.shape);
    const n4 = n - (n % 4);
    // parts of the weight on the kernel threads; absent slots' pointers (0) are never read
    const ptrs = [ptr(w), ptr(g), ptr(slots[0]), ptr(slots[1]), ptr(outs[0]), ptr(outs[1]), ptr(outs[2])];
    const ks = SCALARS.map((s) => k[s]);
    // 7 arrays are read or written per element: a part's bytes are 7× its range
    const parts = ranges(n4 * 4, mod.threads, 16, MIN_PART_BYTES / 7);
    if (n4 > 0) mod.run(fnName(a.kind, fold, decoupled), parts.map(([from, len]) => [...ptrs.map((p) => p + from), len, ...ks]));
    if (n4 < n) {
      const views = [w!, g!, outs[0]!, ...(slots[0] ? [slots[0], outs[1]!] : []), ...(slots[1] ? [slots[1], outs[2]!] : [])].map((t) => f32(backend, t));
      scalarTail(a.kind, fold, k, views, n4, n);
    }
    return outs;
  };
}

/**
 * Registers the fused update for the wasm backend (once), where the engine accepts the SIMD module; engine/optimizers.ts
 * uses it wherever a backend has it.
 */
export function installWasmOptimizer(): void {
  if (tf.getKernel(OPTIMIZER_UPDATE, 'wasm')) return;
  const mod = kernelPool()?.load(VARIANTS.map(([kind, fold, decoupled]) => updateFn(kind, fold, decoupled)));
  if (!mod) return;
  tf.registerKernel({ kernelName: OPTIMIZER_UPDATE, backendName: 'wasm', kernelFunc: makeUpdate(mod) as unknown as tf.KernelFunc });
}
