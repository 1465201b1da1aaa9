/**
 * MaxPoolGrad for the wasm backend: one pass over the input's windows on the heap, routing each dy to the first
 * maximum of its window (scan order: rows, then columns, as tfjs-backend-cpu does; tfjs-backend-wasm 4.22's kernel
 * starts its search at 0, so a window with no positive value gets no gradient there, and takes ~20 ms for a
 * [64, 28, 28, 32] input, the CNN's largest single cost). 2×2 windows that lie inside the input, with channels a
 * multiple of 4, run as one SIMD loop over images, rows and windows (wasm-kernels-simd.ts), images split over the
 * kernel threads (wasm-simd-pool.ts); other windows in JS.
 */
import * as tf from '@tensorflow/tfjs-core';
import { f32, replaceWasmKernel, type KernelArgs, type KernelFn, type WasmBackendLike } from './wasm-kernels-heap';
import { Fn, OP, T } from './wasm-kernels-simd';
import { kernelPool, MIN_PART_BYTES, ranges, type PooledModule } from './wasm-simd-pool';

/**
 * pool2x2(x0, g0, delta, imgEnd, imgX, rowEnd, rowX, count, stepB, colB, rowB, CB): over images (imgX bytes apart, up to
 * imgEnd) and their output rows (rowX bytes apart, up to rowEnd), `count` windows from the row's first byte, `stepB`
 * apart, each of taps +0, +colB, +rowB, +rowB+colB, CB bytes of channels: dx (at the same place + delta) += dy where the
 * tap is the first maximum. dy from g0, CB bytes per window, in order.
 */
function pool2x2Fn(): Fn {
  const f = new Fn('pool2x2', ['x0', 'g0', 'delta', 'imgEnd', 'imgX', 'rowEnd', 'rowX', 'count', 'stepB', 'colB', 'rowB', 'CB'].map((n): [string, number] => [n, T.i32]));
  for (const l of ['wo', 'wend', 'c', 'p', 'gb', 'o', 'pi', 'pr', 'xr']) f.local(l, T.i32);
  for (const l of ['v0', 'v1', 'v2', 'v3', 'best', 'idx', 'm', 'd', 'K0', 'K1', 'K2', 'K3']) f.local(l, T.v128);
  const { i32Add, i32Mul, f32x4Gt, bitselect, i32x4Splat, i32x4Eq, v128And, f32x4Add, v128Store } = OP;
  [0, 1, 2, 3].forEach((k) => f.i32(k).op(i32x4Splat).set(`K${k}`));
  f.get('count', 'stepB').op(i32Mul).set('wend');
  f.get('g0').set('gb');
  return f.i32(0).set('pi').while('pi', 'imgEnd', 'imgX', (img) => {
    img.i32(0).set('pr').while('pr', 'rowEnd', 'rowX', (row) => {
      row.get('x0', 'pi', 'pr').op(i32Add, i32Add).set('xr');
      row.i32(0).set('wo').while('wo', 'wend', 'stepB', (w) => {
        w.i32(0).set('c').while('c', 'CB', 16, (b) => {
          b.get('xr', 'wo', 'c').op(i32Add, i32Add).set('p');
          b.get('p').op(OP.v128Load).set('v0');
          b.get('p', 'colB').op(i32Add, OP.v128Load).set('v1');
          b.get('p', 'rowB').op(i32Add, OP.v128Load).set('v2');
          b.get('p', 'rowB', 'colB').op(i32Add, i32Add, OP.v128Load).set('v3');
          b.get('v0').set('best').get('K0').set('idx');
          for (const k of [1, 2, 3]) {
            b.get(`v${k}`, 'best').op(f32x4Gt).set('m');
            if (k < 3) b.get(`v${k}`, 'best', 'm').op(bitselect).set('best');
            b.get(`K${k}`, 'idx', 'm').op(bitselect).set('idx');
          }
          b.load('gb', 'c').set('d');
          b.get('p', 'delta').op(i32Add).set('o');
          const tap = (k: number, offs: string[]) => {
            const at = () => { b.get('o', ...offs); for (let i = 0; i < offs.length; i++) b.op(i32Add); };
            at();
            at();
            b.op(OP.v128Load).get('d', 'idx', `K${k}`).op(i32x4Eq, v128And, f32x4Add, v128Store);
          };
          tap(0, []);
          tap(1, ['colB']);
          tap(2, ['rowB']);
          tap(3, ['rowB', 'colB']);
        });
        w.get('gb', 'CB').op(i32Add).set('gb');
      });
    });
  });
}

export function maxPoolGrad(args: KernelArgs, original?: KernelFn, mod?: PooledModule): tf.TensorInfo | tf.TensorInfo[] {
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const a = args.attrs as { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') return original!(args);
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const backend = args.backend as WasmBackendLike;
  const dx = backend.makeOutput(input.shape, 'float32');
  const x = f32(backend, input);
  const g = f32(backend, dy);
  const out = f32(backend, dx);
  out.fill(0);
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const inside = fh === 2 && fw === 2 && dh === 1 && dw === 1 && top === 0 && left === 0 && (OH - 1) * sh + 2 <= H && (OW - 1) * sw + 2 <= W;
  if (mod && inside && C % 4 === 0) {
    const ptr = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    const [px, pg, po] = [ptr(input), ptr(dy), ptr(dx)];
    const [imgX, imgG, rowX] = [H * W * C * 4, OH * OW * C * 4, sh * W * C * 4];
    // images in parts on the kernel threads (wasm-simd-pool.ts): an image's windows write only its own dx
    const parts = ranges(B, mod.threads, 1, Math.ceil(MIN_PART_BYTES / imgX));
    mod.run('pool2x2', parts.map(([b0, nb]) => [px + b0 * imgX, pg + b0 * imgG, po - px, nb * imgX, imgX, OH * rowX, rowX, OW, sw * C * 4, C * 4, W * C * 4, C * 4]));
    return dx;
  }
  // the window's valid pixel offsets, in scan order (rows, then columns); per channel the first maximum takes dy
  const pos = new Int32Array(Math.ceil(fh / dh) * Math.ceil(fw / dw));
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - top;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - left;
        let n = 0;
        for (let kh = 0; kh < fh; kh += dh) {
          const h = h0 + kh;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < fw; kw += dw) {
            const w = w0 + kw;
            if (w >= 0 && w < W) pos[n++] = ((b * H + h) * W + w) * C;
          }
        }
        if (n === 0) continue;
        const gb = ((b * OH + oh) * OW + ow) * C;
        const p0 = pos[0]!;
        for (let c = 0; c < C; c++) {
          let at = p0 + c;
          let best = x[at]!;
          for (let j = 1; j < n; j++) {
            const i = pos[j]! + c;
            const v = x[i]!;
            if (v > best) { best = v; at = i; }
          }
          out[at] += g[gb + c]!;
        }
      }
    }
  }
  return dx;
}

export function installMaxPoolGrad(): void {
  const mod = kernelPool()?.load([pool2x2Fn()]);
  replaceWasmKernel('MaxPoolGrad', (original) => (args) => maxPoolGrad(args, original, mod));
}
