import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Attention } from './attention';
import { Initializer } from './init';
import { layerNode } from './test-nodes';
import { Transformer } from './transformer';

before(async () => {
  await tf.setBackend('cpu');
});

const T = 6, D = 8;

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

for (const type of ['attention', 'transformer'] as const) {
  for (const heads of [1, 2]) {
    test(`causal ${type} (${heads} head(s)): position t ignores tokens after t`, () => {
      const m =
        type === 'attention'
          ? new Attention(layerNode('a', 'attention', { heads, causal: true, dropout: 0 }, [T, D], [T, D]), new Initializer(4))
          : new Transformer(layerNode('a', 'transformer', { heads, mlpRatio: 2, causal: true, dropout: 0 }, [T, D], [T, D]), new Initializer(4));
      const x = tf.randomNormal([2, T, D], 0, 1, 'float32', 1);
      const y = tf.tidy(() => m.forward(x, { training: false, step: 0 }));
      for (const t of [0, 2, 4]) {
        // change every token after t
        const x2 = tf.tidy(() => tf.concat([tf.slice(x, [0, 0, 0], [2, t + 1, D]), tf.randomNormal([2, T - t - 1, D], 0, 3, 'float32', 10 + t)], 1));
        const y2 = tf.tidy(() => m.forward(x2, { training: false, step: 0 }));
        const prefix = (z: tf.Tensor) => tf.slice(z, [0, 0, 0], [2, t + 1, D]);
        assert.ok(tf.tidy(() => maxDiff(prefix(y), prefix(y2))) < 1e-5, `t=${t}: prefix changed`);
        assert.ok(tf.tidy(() => maxDiff(y, y2)) > 1e-3, `t=${t}: the future did not change at all`);
        tf.dispose([x2, y2]);
      }
      tf.dispose([x, y]);
      m.dispose();
    });
  }
}

test('non-causal attention: position 0 sees later tokens', () => {
  const m = new Attention(layerNode('a', 'attention', { heads: 2, causal: false, dropout: 0 }, [T, D], [T, D]), new Initializer(4));
  const x = tf.randomNormal([1, T, D], 0, 1, 'float32', 1);
  const x2 = tf.tidy(() => tf.concat([tf.slice(x, [0, 0, 0], [1, 1, D]), tf.randomNormal([1, T - 1, D], 0, 1, 'float32', 2)], 1));
  const first = (z: tf.Tensor) => tf.slice(m.forward(z, { training: false, step: 0 }), [0, 0, 0], [1, 1, D]);
  assert.ok(tf.tidy(() => maxDiff(first(x), first(x2))) > 1e-4);
  tf.dispose([x, x2]);
  m.dispose();
});

test('attention dropout: on only when training; same step -> same output, new step -> different', () => {
  const m = new Attention(layerNode('a', 'attention', { heads: 2, causal: true, dropout: 0.5 }, [T, D], [T, D]), new Initializer(4));
  const x = tf.randomNormal([2, T, D], 0, 1, 'float32', 1);
  const run = (training: boolean, step: number) => tf.tidy(() => m.forward(x, { training, step }));
  const [a, b, c, inf1, inf2] = [run(true, 3), run(true, 3), run(true, 4), run(false, 3), run(false, 4)];
  assert.equal(maxDiff(a, b), 0);
  assert.ok(maxDiff(a, c) > 1e-4);
  assert.equal(maxDiff(inf1, inf2), 0);
  assert.ok(maxDiff(a, inf1) > 1e-4);
  tf.dispose([x, a, b, c, inf1, inf2]);
  m.dispose();
});

test('attention rejects a width not divisible by heads', () => {
  assert.throws(() => new Attention(layerNode('a', 'attention', { heads: 3, causal: false, dropout: 0 }, [T, D], [T, D]), new Initializer(4)), /divisible/);
});

test('transformer exposes its sub-layers with their own ids and variable names', () => {
  const m = new Transformer(layerNode('blocks[1]', 'transformer', { heads: 2, mlpRatio: 4, causal: false, dropout: 0 }, [T, D], [T, D]), new Initializer(4));
  assert.deepEqual(
    m.children().map((c) => c.id),
    ['blocks[1].ln1', 'blocks[1].attn', 'blocks[1].ln2', 'blocks[1].mlp1', 'blocks[1].mlp2'],
  );
  const names = m.trainable().map((v) => v.name);
  assert.ok(names.includes('blocks[1].attn/queryKernel'));
  assert.ok(names.includes('blocks[1].mlp1/kernel'));
  assert.deepEqual(m.trainable().find((v) => v.name === 'blocks[1].mlp1/kernel')!.variable.shape, [D, 4 * D]);
  assert.equal(new Set(names).size, names.length);
  assert.equal(names.length, 2 + 8 + 2 + 2 + 2);
  m.dispose();
});
