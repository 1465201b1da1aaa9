/**
 * Conv2DBackpropFilter (which tfjs-backend-wasm 4.22 lacks) and Conv2DBackpropInput (a scalar C++ loop there) for the
 * wasm backend, built from its fast XNNPACK kernels, NHWC only:
 * - dW for stride 1 is itself a conv2d: of x (padded by the conv2d) with the batch as channels ([Cin, H, W, N]) by dy as
 *   the filter ([Ho, Wo, N, Cout]), giving [Cin, kh, kw, Cout]; XNNPACK runs it about as fast as the forward conv2d;
 * - dW where a filter has fewer taps × input channels than output channels (a first layer: 9 × 1 < 32) is dYᵀ · cols,
 *   with cols the [N·Ho·Wo, kh·kw·Cin] patches written in JS: XNNPACK repacks its right operand on every call, and cols is
 *   the smaller of the two candidates (the conv2d above packs all of dy), ~2× faster there;
 * - dW for other strides is dYᵀ · X(kh, kw) per filter tap, X(kh, kw) being the padded input seen through tap (kh, kw):
 *   one strided slice and one [Cout, N·Ho·Wo]·[N·Ho·Wo, Cin] matMul each (the same multiply-adds);
 * - dx for stride 1 is a conv2d of dy, padded by kh − 1 − pad, with the filter flipped in space and transposed in channels
 *   (other strides, and paddings wider than the filter, keep tfjs's kernel).
 * With both registered the engine's conv2d layer takes tfjs's own fused conv2d gradient (engine/layers/conv2d.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { f32, replaceWasmKernel, wasmKernel, type KernelArgs, type KernelFn, type WasmBackendLike } from './wasm-kernels-heap';

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** Runs the wasm kernel `name` and records its output for disposal. */
function run(name: string, temps: tf.TensorInfo[], backend: unknown, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): tf.TensorInfo {
  const out = wasmKernel(name)!({ inputs, backend, attrs }) as tf.TensorInfo;
  temps.push(out);
  return out;
}

function release(backend: WasmBackendLike, temps: tf.TensorInfo[]): void {
  for (const t of temps) backend.disposeData(t.dataId);
}

/** cols[(b, oh, ow), (kh, kw, ci)] = x[b, oh·sh + kh − top, ow·sw + kw − left, ci], 0 outside x. */
function im2col(x: Float32Array, cols: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let kh = 0; kh < KH; kh++) {
          const h = oh * sh + kh - top;
          for (let kw = 0; kw < KW; kw++) {
            const w = ow * sw + kw - left;
            if (h < 0 || h >= H || w < 0 || w >= W) {
              for (let ci = 0; ci < Cin; ci++) cols[o++] = 0;
            } else {
              const base = ((b * H + h) * W + w) * Cin;
              for (let ci = 0; ci < Cin; ci++) cols[o++] = x[base + ci]!;
            }
          }
        }
      }
    }
  }
}

export function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const backend = args.backend as WasmBackendLike;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW, outChannels: Cout, filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const temps: tf.TensorInfo[] = [];
  const rows = B * OH * OW;
  // the input padded so that every tap's window lies inside it (and, for stride 1, exactly: Hp − Ho + 1 = kh)
  const bottom = Math.max(0, (OH - 1) * sh + KH - top - H);
  const right = Math.max(0, (OW - 1) * sw + KW - left - W);
  const K = KH * KW * Cin;
  if (K < Cout) {
    const cols = backend.makeOutput([1, rows, K], 'float32');
    temps.push(cols);
    im2col(f32(backend, x), f32(backend, cols), info);
    const prod = run('BatchMatMul', temps, backend, { a: { ...dy, shape: [1, rows, Cout] }, b: cols }, { transposeA: true, transposeB: false });
    const dw = backend.makeOutput(a.filterShape, 'float32');
    const src = f32(backend, prod);
    const out = f32(backend, dw);
    for (let co = 0; co < Cout; co++) for (let k = 0; k < K; k++) out[k * Cout + co] = src[co * K + k]!;
    release(backend, temps);
    return dw;
  }
  const padding = [[0, 0], [top, bottom], [left, right], [0, 0]];
  if (sh === 1 && sw === 1) {
    // the padding as the conv2d's own (XNNPACK pads on the fly, no padded copy)
    const xT = run('Transpose', temps, backend, { x }, { perm: [3, 1, 2, 0] });
    const dyT = run('Transpose', temps, backend, { x: dy }, { perm: [1, 2, 0, 3] });
    const conv = run('Conv2D', temps, backend, { x: xT, filter: dyT }, { strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [1, 1] });
    const dw = wasmKernel('Transpose')!({ inputs: { x: conv }, backend, attrs: { perm: [1, 2, 0, 3] } }) as tf.TensorInfo;
    release(backend, temps);
    return dw;
  }
  const xp = top || bottom || left || right ? run('PadV2', temps, backend, { x }, { paddings: padding, constantValue: 0 }) : x;
  const dyT = run('Transpose', temps, backend, { x: { ...dy, shape: [rows, Cout] } }, { perm: [1, 0] });
  const taps: tf.TensorInfo[] = [];
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const xs = run('StridedSlice', temps, backend, { x: xp }, {
        begin: [0, kh, kw, 0], end: [B, kh + (OH - 1) * sh + 1, kw + (OW - 1) * sw + 1, Cin], strides: [1, sh, sw, 1],
        beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
      });
      taps.push(run('BatchMatMul', temps, backend, { a: { ...dyT, shape: [1, Cout, rows] }, b: { ...xs, shape: [1, rows, Cin] } }, { transposeA: false, transposeB: false }));
    }
  }
  // dW[kh, kw, ci, co] = tap(kh, kw)[co, ci]
  const dw = backend.makeOutput(a.filterShape, 'float32');
  const out = f32(backend, dw);
  taps.forEach((t, k) => {
    const src = f32(backend, t);
    const base = k * Cin * Cout;
    for (let co = 0; co < Cout; co++) for (let ci = 0; ci < Cin; ci++) out[base + ci * Cout + co] = src[co * Cin + ci]!;
  });
  release(backend, temps);
  return dw;
}

export function conv2DBackpropInput(args: KernelArgs, original: KernelFn): tf.TensorInfo | tf.TensorInfo[] {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  if (a.dataFormat === 'NCHW') return original(args);
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const { filterHeight: KH, filterWidth: KW, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  // rows and columns of dy to add on each side so that a 'valid' convolution yields exactly H × W
  const pt = KH - 1 - top;
  const pl = KW - 1 - left;
  const pb = H + KH - 1 - pt - OH;
  const pr = W + KW - 1 - pl - OW;
  if (sh !== 1 || sw !== 1 || Math.min(pt, pl, pb, pr) < 0) return original(args);
  const backend = args.backend as WasmBackendLike;
  const temps: tf.TensorInfo[] = [];
  // fT[kh, kw, co, ci] = filter[KH−1−kh, KW−1−kw, ci, co], in one JS pass (a filter is small; tfjs's Reverse is not fast)
  const [, , Cin, Cout] = filter.shape as [number, number, number, number];
  const fT = backend.makeOutput([KH, KW, Cout, Cin], 'float32');
  temps.push(fT);
  const src = f32(backend, filter);
  const dst = f32(backend, fT);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const from = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * Cin * Cout;
      const to = (kh * KW + kw) * Cout * Cin;
      for (let ci = 0; ci < Cin; ci++) for (let co = 0; co < Cout; co++) dst[to + co * Cin + ci] = src[from + ci * Cout + co]!;
    }
  }
  const pad = [[0, 0], [pt, pb], [pl, pr], [0, 0]]; // dy padded by the conv2d itself
  const dx = wasmKernel('Conv2D')!({ inputs: { x: dy, filter: fT }, backend, attrs: { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] } }) as tf.TensorInfo;
  release(backend, temps);
  return dx;
}

export function installConvBackprop(): void {
  replaceWasmKernel('Conv2DBackpropFilter', () => (args) => conv2DBackpropFilter(args));
  replaceWasmKernel('Conv2DBackpropInput', (original) => (args) => conv2DBackpropInput(args, original!));
}
