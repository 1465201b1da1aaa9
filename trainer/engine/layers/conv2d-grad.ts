/**
 * conv2d for backends without a Conv2DBackpropFilter kernel (tfjs-backend-wasm 4.22 has none): the
 * forward pass is the backend's own conv2d; the backward pass computes the input gradient with
 * conv2dTranspose (Conv2DBackpropInput exists there) and the filter gradient as one matmul over
 * im2col patches, which costs the same multiply-adds as the missing kernel.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Whether the active backend can differentiate tf.conv2d with respect to its filter. */
export function hasFilterGradient(): boolean {
  return tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) !== undefined;
}

/** Top/bottom (or left/right) padding of one spatial axis, as TensorFlow computes it. */
export function samePadding(inSize: number, k: number, stride: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * dW[kh, kw, cin, cout] = Σ_{b,i,j} xpad[b, i·s + kh, j·s + kw, cin] · dy[b, i, j, cout].
 * For stride 1 that is itself a 'valid' convolution (fast on XNNPACK). Otherwise patches are concatenated along channels in (kh, kw) order, so one [k²·Cin, N]·[N, Cout] product
 * reshapes straight into the filter layout.
 */
export function filterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number],
  padding: 'same' | 'valid',
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, cin, cout] = filterShape;
    const [, oh, ow] = dy.shape;
    const [sh, sw] = strides;
    const xp = padding === 'same'
      ? tf.pad(x, [[0, 0], samePadding(x.shape[1], kh, sh), samePadding(x.shape[2], kw, sw), [0, 0]])
      : x;
    if (sh === 1 && sw === 1) {
      // stride 1: a convolution of x (batch as channels) with dy (batch as input channels) as filter
      const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, Hp, Wp, B]
      const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, B, Cout]
      return tf.transpose(tf.conv2d(xt, dyt, 1, 'valid'), [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, Cin, Cout]
    }
    const patches: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        patches.push(tf.stridedSlice(xp, [0, i, j, 0], [x.shape[0], i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, cin], [1, sh, sw, 1]));
      }
    }
    const cols = tf.reshape(patches.length === 1 ? patches[0] : tf.concat(patches, 3), [-1, kh * kw * cin]);
    const dw = tf.matMul(cols, tf.reshape(dy, [-1, cout]), true, false);
    return tf.reshape(dw, filterShape) as tf.Tensor4D;
  });
}

/**
 * dx of a conv2d. For stride 1 it is a plain 'valid' convolution of the padded dy with the filter
 * flipped in space and transposed in channels (the backend's fast conv2d; wasm's
 * Conv2DBackpropInput is a scalar loop, 10x slower). Other strides use conv2dTranspose.
 */
export function inputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  xShape: [number, number, number, number],
  strides: [number, number],
  padding: 'same' | 'valid',
): tf.Tensor4D {
  if (strides[0] !== 1 || strides[1] !== 1) return tf.conv2dTranspose(dy, filter, xShape, strides, padding);
  return tf.tidy(() => {
    const [kh, kw] = filter.shape;
    const [pt, pb] = padding === 'same' ? samePadding(xShape[1], kh, 1) : [0, 0];
    const [pl, pr] = padding === 'same' ? samePadding(xShape[2], kw, 1) : [0, 0];
    const dyp = tf.pad(dy, [[0, 0], [kh - 1 - pt, kh - 1 - pb], [kw - 1 - pl, kw - 1 - pr], [0, 0]]);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(dyp, flipped, 1, 'valid');
  });
}

export interface ConvOptions {
  strides: [number, number];
  padding: 'same' | 'valid';
  /** Fuse a ReLU into the forward pass (its derivative is applied in the custom gradient). */
  relu: boolean;
}

/**
 * relu?(conv2d(x, filter) + bias) in one fused forward dispatch, with gradients that work on backends
 * without Conv2DBackpropFilter.
 */
export function conv2dWithFilterGrad(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor | undefined, o: ConvOptions): tf.Tensor4D {
  const { strides, padding, relu } = o;
  const forward = (xs: tf.Tensor4D, fs: tf.Tensor4D, b: tf.Tensor | undefined, save: tf.GradSaveFunc) => {
    const y = tf.fused.conv2d({ x: xs, filter: fs, strides, pad: padding, bias: b, activation: relu ? 'relu' : 'linear' });
    save([xs, fs, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
        const [sx, sf, sy] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const g = (relu ? tf.mul(dy, tf.step(sy)) : dy) as tf.Tensor4D;
        const dx = inputGradient(g, sf, sx.shape, strides, padding);
        const dw = filterGradient(sx, g, sf.shape, strides, padding);
        return b ? [dx, dw, tf.sum(g, [0, 1, 2])] : [dx, dw];
      },
    };
  };
  type Fn = Parameters<typeof tf.customGrad>[0];
  if (bias) {
    const op = tf.customGrad(((a: tf.Tensor, f: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => forward(a as tf.Tensor4D, f as tf.Tensor4D, b, save)) as unknown as Fn);
    return op(x, filter, bias) as tf.Tensor4D;
  }
  const op = tf.customGrad(((a: tf.Tensor, f: tf.Tensor, save: tf.GradSaveFunc) => forward(a as tf.Tensor4D, f as tf.Tensor4D, undefined, save)) as unknown as Fn);
  return op(x, filter) as tf.Tensor4D;
}
