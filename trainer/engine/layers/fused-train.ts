/**
 * Dense and conv2d layers with their bias and a relu (or no activation) as one forward kernel with a gradient written
 * here, on backends that register the fused kernels (DENSE_TRAIN, CONV2D_TRAIN and RELU_GRAD; contract in
 * engine/fused-kernels.ts; the wasm backend does). While recording gradients tfjs unfuses tf.fused.matMul/conv2d into
 * the product, a bias Add and a Relu, three passes over the output, and takes relu's gradient as Step and Multiply,
 * two more; here the forward is one kernel, relu's gradient one pass, and each input's gradient is computed only when
 * asked (a first layer's input gradient is not). The same values and gradients as the unfused ops (tests hold them).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV2D_TRAIN, DENSE_TRAIN, hasFused, RELU_GRAD } from '../fused-kernels';

export type TrainActivation = 'relu' | 'linear';

/** Whether a dense or conv2d layer with this activation can take the fused path on the active backend. */
export function canFuseForTraining(layer: 'dense' | 'conv2d', activation: string): boolean {
  return (activation === 'relu' || activation === 'linear') && hasFused(layer === 'dense' ? DENSE_TRAIN : CONV2D_TRAIN) && hasFused(RELU_GRAD);
}

type Saved = tf.Tensor[];
const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object = {}) =>
  tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;

/**
 * dy through the activation: relu's gradient in one kernel, linear's is dy. Made once, in the gradient function itself
 * (tfjs runs each input's gradient in a tidy of its own, which would dispose it before the next).
 */
function activationGrad(dy: tf.Tensor, y: tf.Tensor, activation: TrainActivation): tf.Tensor {
  return activation === 'relu' ? run(RELU_GRAD, { dy, y }) : dy;
}

/** Leading axes of a bias gradient: all but the last. */
const leading = (t: tf.Tensor) => [...Array(t.rank - 1).keys()];

let registered = false;

function registerGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: DENSE_TRAIN,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved, attrs: tf.NamedAttrMap) => {
      const [a, b, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor];
      const d = activationGrad(dy as tf.Tensor, y, attrs.activation as TrainActivation);
      return {
        a: () => tf.matMul(d as tf.Tensor2D, b, false, true),
        b: () => tf.matMul(a, d as tf.Tensor2D, true, false),
        bias: () => tf.sum(d, 0),
      };
    },
  });
  tf.registerGradient({
    kernelName: CONV2D_TRAIN,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: Saved, attrs: tf.NamedAttrMap) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dimRoundingMode } = attrs as unknown as { strides: [number, number]; pad: 'same' | 'valid'; dimRoundingMode?: 'floor' };
      const d = activationGrad(dy as tf.Tensor, y, attrs.activation as TrainActivation);
      const common = { strides, pad, dataFormat: 'NHWC', dimRoundingMode };
      return {
        x: () => run('Conv2DBackpropInput', { dy: d, filter }, { ...common, inputShape: x.shape }),
        filter: () => run('Conv2DBackpropFilter', { x, dy: d }, { ...common, filterShape: filter.shape }),
        bias: () => tf.sum(d, leading(d)),
      };
    },
  });
}

/** act(a·b + bias) for a [M, K]·[K, N] dense layer. */
export function denseTrain(a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor | undefined, activation: TrainActivation): tf.Tensor2D {
  registerGradients();
  return run(DENSE_TRAIN, bias ? { a, b, bias } : { a, b }, { activation }) as tf.Tensor2D;
}

/** act(conv2d(x, filter) + bias), NHWC. */
export function conv2dTrain(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor | undefined, strides: [number, number], pad: 'same' | 'valid', activation: TrainActivation): tf.Tensor4D {
  registerGradients();
  return run(CONV2D_TRAIN, bias ? { x, filter, bias } : { x, filter }, { strides, pad, activation }) as tf.Tensor4D;
}
