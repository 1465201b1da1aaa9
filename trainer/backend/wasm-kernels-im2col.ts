/**
 * im2col and its adjoint col2im on the wasm heap, for the BLAS convolutions (wasm-kernels-blas.ts), NHWC. In NHWC the
 * kw taps of one output pixel and filter row kh read kw·Cin consecutive floats of the (padded) input, which are also
 * consecutive in the patch matrix, so im2col is one SIMD copy per (image, output row, output column, kh) and col2im
 * one SIMD add of the same span: a module of two functions (wasm-kernels-simd.ts) run on the backend's own memory. The
 * padding is made first, by copying image rows into a zeroed buffer (none when the convolution needs none). Images are
 * split over the kernel threads (wasm-simd-pool.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { f32, type WasmBackendLike } from './wasm-kernels-heap';
import { Fn, OP, T, type WasmMemory } from './wasm-kernels-simd';
import { MIN_PART_BYTES, ranges, type PooledModule } from './wasm-simd-pool';

/** An opcode beyond wasm-kernels-simd.ts's: scalar f32 load. */
const F32_LOAD = [0x2a, 0x02, 0x00] as const;

const PARAMS = ['x', 'cols', 'imgBytes', 'allBytes', 'ohStride', 'ohEnd', 'pixBytes', 'owEnd', 'rowBytes', 'khEnd', 'segBytes', 'seg16'];

/** The four loops both functions share: image, output row, output column, filter row; `span` gets pkh (input) and o (cols). */
function patchLoops(name: string, span: (f: Fn) => void): Fn {
  const f = new Fn(name, PARAMS.map((p): [string, number] => [p, T.i32]));
  for (const l of ['pb', 'pbEnd', 'poh', 'pohEnd', 'pow', 'powEnd', 'pkh', 'pkhEnd', 'o', 'i']) f.local(l, T.i32);
  const add = OP.i32Add;
  f.get('x', 'allBytes').op(add).set('pbEnd');
  f.get('cols').set('o');
  f.get('x').set('pb');
  return f.while('pb', 'pbEnd', 'imgBytes', (b) => {
    b.get('pb').set('poh').get('pb', 'ohEnd').op(add).set('pohEnd');
    b.while('poh', 'pohEnd', 'ohStride', (r) => {
      r.get('poh').set('pow').get('poh', 'owEnd').op(add).set('powEnd');
      r.while('pow', 'powEnd', 'pixBytes', (c) => {
        c.get('pow').set('pkh').get('pow', 'khEnd').op(add).set('pkhEnd');
        c.while('pkh', 'pkhEnd', 'rowBytes', (k) => {
          span(k);
          k.get('o', 'segBytes').op(add).set('o');
        });
      });
    });
  });
}

/**
 * im2col: cols[o : o + seg] = x[pkh : pkh + seg] for every span, four floats a turn then one at a time (a span is a few
 * hundred bytes at most: a loop beats memory.copy's call there).
 */
function im2colFn(): Fn {
  return patchLoops('im2col', (k) => {
    k.i32(0).set('i').while('i', 'seg16', 16, (s) => {
      s.get('o', 'i').op(OP.i32Add).load('pkh').op(OP.v128Store);
    });
    k.while('i', 'segBytes', 4, (s) => {
      s.get('o', 'i').op(OP.i32Add).get('pkh', 'i').op(OP.i32Add, F32_LOAD, OP.f32Store);
    });
  });
}

/** col2im: x[pkh + i] += cols[o + i] over every span, four floats a turn then one at a time. */
function col2imFn(): Fn {
  return patchLoops('col2im', (k) => {
    k.i32(0).set('i').while('i', 'seg16', 16, (s) => {
      s.get('pkh', 'i').op(OP.i32Add).load('pkh').load('o').op(OP.f32x4Add, OP.v128Store);
    });
    k.while('i', 'segBytes', 4, (s) => {
      s.get('pkh', 'i').op(OP.i32Add);
      s.get('pkh', 'i').op(OP.i32Add, F32_LOAD).get('o', 'i').op(OP.i32Add, F32_LOAD).op(OP.f32Add, OP.f32Store);
    });
  });
}

export function im2colFns(): Fn[] {
  return [im2colFn(), col2imFn()];
}

type Geometry = tf.backend_util.Conv2DInfo;

/** What im2col reads: the padded input's extent [B, Hp, Wp, C] and where the real input lies in it. */
function padded(g: Geometry): { Hp: number; Wp: number; top: number; left: number; none: boolean } {
  const Hp = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
  const Wp = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  const { top, left } = g.padInfo;
  // without padding on the top and left, and the input at least as large, the input itself is read (Wp must match: rows)
  const none = top === 0 && left === 0 && Hp <= g.inHeight && Wp === g.inWidth;
  return { Hp, Wp, top, left, none };
}

export class Im2col {
  constructor(private readonly mod: PooledModule, private readonly memory: WasmMemory) {}

  private ptr(backend: WasmBackendLike, t: tf.TensorInfo): number {
    return backend.dataIdMap.get(t.dataId)!.memoryOffset;
  }

  private heap(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }

  private run(fn: 'im2col' | 'col2im', xPtr: number, colsPtr: number, g: Geometry, Hp: number, Wp: number): void {
    const C4 = g.inChannels * 4;
    const rowBytes = Wp * C4;
    const imgBytes = Hp * rowBytes;
    const segBytes = g.filterWidth * C4;
    // images in parts on the kernel threads (each image's patches and input rows are its own)
    const colsPerImage = g.outHeight * g.outWidth * g.filterHeight * segBytes;
    const parts = ranges(g.batchSize, this.mod.threads, 1, Math.ceil(MIN_PART_BYTES / colsPerImage));
    this.mod.run(fn, parts.map(([b0, nb]) => [xPtr + b0 * imgBytes, colsPtr + b0 * colsPerImage, imgBytes, nb * imgBytes,
      g.strideHeight * rowBytes, g.outHeight * g.strideHeight * rowBytes, g.strideWidth * C4, g.outWidth * g.strideWidth * C4,
      rowBytes, g.filterHeight * rowBytes, segBytes, segBytes & ~15]));
  }

  /** The patch matrix [B·Ho·Wo, kh·kw·Cin] of x, as a new heap tensor the caller disposes. */
  im2col(backend: WasmBackendLike, x: tf.TensorInfo, g: Geometry): tf.TensorInfo {
    const K = g.filterHeight * g.filterWidth * g.inChannels;
    const cols = backend.makeOutput([g.batchSize * g.outHeight * g.outWidth, K], 'float32');
    const p = padded(g);
    if (p.none) {
      // x read with its own row length: Hp ≤ H rows are read, the rest of each image skipped by imgBytes
      this.run('im2col', this.ptr(backend, x), this.ptr(backend, cols), g, g.inHeight, g.inWidth);
      return cols;
    }
    const xp = backend.makeOutput([g.batchSize * p.Hp * p.Wp * g.inChannels], 'float32');
    this.copyRows(backend, x, xp, g, p, true);
    this.run('im2col', this.ptr(backend, xp), this.ptr(backend, cols), g, p.Hp, p.Wp);
    backend.disposeData(xp.dataId);
    return cols;
  }

  /** dx (already made, [B, H, W, Cin]) = col2im(dcols). */
  col2im(backend: WasmBackendLike, dcols: tf.TensorInfo, dx: tf.TensorInfo, g: Geometry): void {
    const p = padded(g);
    if (p.none) {
      f32(backend, dx).fill(0);
      this.run('col2im', this.ptr(backend, dx), this.ptr(backend, dcols), g, g.inHeight, g.inWidth);
      return;
    }
    const dxp = backend.makeOutput([g.batchSize * p.Hp * p.Wp * g.inChannels], 'float32');
    f32(backend, dxp).fill(0);
    this.run('col2im', this.ptr(backend, dxp), this.ptr(backend, dcols), g, p.Hp, p.Wp);
    this.copyRows(backend, dx, dxp, g, p, false);
    backend.disposeData(dxp.dataId);
  }

  /**
   * Copies the image rows that the padded extent [B, Hp, Wp, C] holds between x ([B, H, W, C]) and it: into the padded
   * buffer (`toPadded`, pad) or out of it (unpad). The destination is zeroed first (padding, or what no window read).
   */
  private copyRows(backend: WasmBackendLike, x: tf.TensorInfo, xp: tf.TensorInfo, g: Geometry, p: ReturnType<typeof padded>, toPadded: boolean): void {
    f32(backend, toPadded ? xp : x).fill(0);
    const heap = this.heap();
    const C = g.inChannels;
    const xo = this.ptr(backend, x) / 4;
    const po = this.ptr(backend, xp) / 4;
    const h1 = Math.min(g.inHeight, p.Hp - p.top);
    const w1 = Math.min(g.inWidth, p.Wp - p.left);
    for (let b = 0; b < g.batchSize; b++) {
      for (let h = 0; h < h1; h++) {
        const at = xo + (b * g.inHeight + h) * g.inWidth * C;
        const atPadded = po + ((b * p.Hp + h + p.top) * p.Wp + p.left) * C;
        if (toPadded) heap.copyWithin(atPadded, at, at + w1 * C);
        else heap.copyWithin(at, atPadded, atPadded + w1 * C);
      }
    }
  }
}
