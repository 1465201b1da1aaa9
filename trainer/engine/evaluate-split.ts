/** Loss and accuracy of a model over one data split, in batches, with one host read at the end (no training). */
import * as tf from '@tensorflow/tfjs-core';
import { labelWidth } from '../data/positions';
import type { Dataset, Split } from '../data/types';
import { correctCounts, crossEntropy } from './loss';
import type { SequentialModel } from './model';
import type { ForwardContext } from './module';
import { addAccuracy } from './train-metrics';

/** `context` is called once per batch, inside the batch's tf.tidy (a plugin's output rewrite may make tensors). */
export async function evaluateSplit(
  net: SequentialModel, context: () => ForwardContext, dataset: Pick<Dataset, 'tasks' | 'sampleShape'>, split: Split, batchSize: number,
): Promise<Record<string, number> | undefined> {
  if (split.n === 0) return undefined;
  const { tasks, sampleShape: shape } = dataset;
  const size = shape.reduce((a, b) => a * b, 1);
  const width = labelWidth(tasks);
  let lossSum: tf.Tensor = tf.scalar(0);
  let correct: tf.Tensor = tf.zeros([tasks.length]);
  for (let i = 0; i < split.n; i += batchSize) {
    const n = Math.min(batchSize, split.n - i);
    const [l, c] = tf.tidy(() => {
      const xs = tf.tensor(split.x.subarray(i * size, (i + n) * size), [n, ...shape]);
      const ys = tf.tensor(split.y.subarray(i * width, (i + n) * width), [n, width], 'int32');
      const logits = net.forward(xs, context());
      return [tf.add(lossSum, tf.mul(crossEntropy(logits, ys, tasks), n)), tf.add(correct, correctCounts(logits, ys, tasks))];
    });
    lossSum.dispose();
    correct.dispose();
    lossSum = l;
    correct = c;
  }
  const packed = tf.tidy(() => tf.concat([tf.reshape(lossSum, [1]), correct]));
  const v = await packed.data();
  tf.dispose([packed, lossSum, correct]);
  const out: Record<string, number> = { loss: v[0] / split.n };
  addAccuracy(out, tasks, Array.from(v.subarray(1)), split.n);
  return out;
}
