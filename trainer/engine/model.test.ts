import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayerNode } from '../../spec/types';
import { SequentialModel } from './model';
import type { ForwardContext } from './module';
import { layerNode, sampleInput } from './layers/test-nodes';

before(async () => {
  await tf.setBackend('cpu');
});

/** conv, batchNorm, pools, flatten, dropout, dense, layerNorm, activation. */
function imageModel(): LayerNode[] {
  return [
    layerNode('layers[0]', 'conv2d', { filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', useBias: true }, [8, 8, 2], [8, 8, 4]),
    layerNode('layers[1]', 'batchNorm', { epsilon: 1e-3, momentum: 0.9 }, [8, 8, 4], [8, 8, 4]),
    layerNode('layers[2]', 'maxPool2d', { poolSize: [2, 2], strides: [2, 2], padding: 'valid' }, [8, 8, 4], [4, 4, 4]),
    layerNode('layers[3]', 'conv2d', { filters: 3, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', activation: 'elu', useBias: true }, [4, 4, 4], [2, 2, 3]),
    layerNode('layers[4]', 'avgPool2d', { poolSize: [2, 2], strides: [1, 1], padding: 'same' }, [2, 2, 3], [2, 2, 3]),
    layerNode('layers[5]', 'flatten', {}, [2, 2, 3], [12]),
    layerNode('layers[6]', 'dropout', { rate: 0.2 }, [12], [12]),
    layerNode('layers[7]', 'dense', { units: 6, activation: 'leakyRelu', useBias: true }, [12], [6]),
    layerNode('layers[8]', 'layerNorm', { epsilon: 1e-5, momentum: 0 }, [6], [6]),
    layerNode('layers[9]', 'activation', { activation: 'selu' }, [6], [6]),
    layerNode('layers[10]', 'dense', { units: 3, activation: 'softmax', useBias: true }, [6], [3]),
  ];
}

function gapModel(): LayerNode[] {
  return [
    layerNode('layers[0]', 'conv2d', { filters: 4, kernelSize: [3, 3], strides: [2, 2], padding: 'same', activation: 'sigmoid', useBias: false }, [6, 6, 1], [3, 3, 4]),
    layerNode('layers[1]', 'globalAvgPool2d', {}, [3, 3, 4], [4]),
    layerNode('layers[2]', 'dense', { units: 2, activation: 'tanh', useBias: true }, [4], [2]),
  ];
}

/** embedding, transformer, attention, residual, dense on [T, D]. */
function sequenceModel(): LayerNode[] {
  const T = 5, D = 8;
  return [
    layerNode('layers[0]', 'embedding', { inputDim: 11, outputDim: D }, [T], [T, D]),
    layerNode('layers[1]', 'transformer', { heads: 2, mlpRatio: 2, causal: true, dropout: 0.1 }, [T, D], [T, D]),
    layerNode('layers[2]', 'attention', { heads: 4, causal: false, dropout: 0.1 }, [T, D], [T, D]),
    layerNode('layers[3]', 'residual', { scale: 1 }, [T, D], [T, D], [
      layerNode('layers[3].layers[0]', 'layerNorm', { epsilon: 1e-5, momentum: 0 }, [T, D], [T, D]),
      layerNode('layers[3].layers[1]', 'dense', { units: D, activation: 'swish', useBias: true }, [T, D], [T, D]),
    ]),
    layerNode('layers[4]', 'activation', { activation: 'gelu' }, [T, D], [T, D]),
    layerNode('layers[5]', 'flatten', {}, [T, D], [T * D]),
    layerNode('layers[6]', 'dense', { units: 4, activation: 'linear', useBias: true }, [T * D], [4]),
  ];
}

const models: Record<string, () => LayerNode[]> = { image: imageModel, gap: gapModel, sequence: sequenceModel };

function input(layers: LayerNode[], batch = 3): tf.Tensor {
  const { values, shape } = sampleInput(layers[0], batch);
  return tf.tensor(values, shape);
}

/** A loss that is not degenerate for softmax / layerNorm outputs: a fixed random projection. */
function loss(model: SequentialModel, x: tf.Tensor, ctx: ForwardContext): tf.Scalar {
  const y = model.forward(x, ctx);
  return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 3)));
}

for (const [name, build] of Object.entries(models)) {
  test(`${name} model: output shape and a non-zero gradient for every trainable variable`, () => {
    const layers = build();
    const model = new SequentialModel(layers, 1);
    const x = input(layers);
    const stateUpdates: ForwardContext['stateUpdates'] = [];
    tf.tidy(() => {
      const out = model.forward(x, { training: false, step: 0 });
      assert.deepEqual(out.shape, [3, ...layers[layers.length - 1].outputShape]);
      const vars = model.trainable();
      assert.ok(vars.length > 0);
      const { grads } = tf.variableGrads(() => loss(model, x, { training: true, step: 1, stateUpdates }), vars.map((v) => v.variable));
      for (const v of vars) {
        const g = grads[v.variable.name];
        assert.ok(g !== undefined, `${v.name}: no gradient`);
        assert.deepEqual(g.shape, v.variable.shape);
        assert.ok(tf.max(tf.abs(g)).dataSync()[0] > 0, `${v.name}: all-zero gradient`);
      }
    });
    for (const u of stateUpdates) u.value.dispose();
    x.dispose();
    model.dispose();
  });
}

test('no tensor leak across 5 training steps (forward + grads + state updates + recorded activations)', () => {
  for (const build of Object.values(models)) {
    const layers = build();
    const model = new SequentialModel(layers, 2);
    const x = input(layers, 4);
    const vars = model.trainable().map((v) => v.variable);
    const start = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) {
      const activations = new Map<string, tf.Tensor>();
      const stateUpdates: NonNullable<ForwardContext['stateUpdates']> = [];
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => loss(model, x, { training: true, step, activations, stateUpdates }), vars);
        value.dataSync();
        for (const g of Object.values(grads)) g.dataSync();
      });
      for (const u of stateUpdates) {
        u.variable.assign(u.value);
        u.value.dispose();
      }
      assert.ok(activations.size > 0);
      for (const a of activations.values()) a.dispose();
    }
    assert.equal(tf.memory().numTensors, start);
    const eval0 = tf.memory().numTensors;
    tf.tidy(() => model.forward(x, { training: false, step: 0 }).dataSync());
    assert.equal(tf.memory().numTensors, eval0);
    x.dispose();
    model.dispose();
  }
});

test('activations: every module, children included, is recorded under its id', () => {
  const layers = sequenceModel();
  const model = new SequentialModel(layers, 1);
  const x = input(layers);
  const activations = new Map<string, tf.Tensor>();
  tf.tidy(() => {
    model.forward(x, { training: false, step: 0, activations });
  });
  const ids = model.allModules().map((m) => m.id);
  assert.deepEqual([...activations.keys()].sort(), [...ids].sort());
  assert.deepEqual(activations.get('layers[1].mlp1')!.shape, [3, 5, 16]);
  for (const a of activations.values()) {
    assert.ok(!a.isDisposed);
    a.dispose();
  }
  x.dispose();
  model.dispose();
});

test('allModules is depth-first pre-order; variable names are unique <id>/<role>', () => {
  const model = new SequentialModel(sequenceModel(), 1);
  assert.deepEqual(model.allModules().map((m) => m.id), [
    'layers[0]',
    'layers[1]', 'layers[1].ln1', 'layers[1].attn', 'layers[1].ln2', 'layers[1].mlp1', 'layers[1].mlp2',
    'layers[2]',
    'layers[3]', 'layers[3].layers[0]', 'layers[3].layers[1]',
    'layers[4]', 'layers[5]', 'layers[6]',
  ]);
  const names = [...model.trainable(), ...model.state()].map((v) => v.name);
  assert.equal(new Set(names).size, names.length);
  for (const v of model.trainable()) assert.equal(v.name, `${v.layerId}/${v.role}`);
  model.dispose();
});

test('same seed -> same model output; a second model with the same ids coexists', () => {
  const layers = imageModel();
  const a = new SequentialModel(layers, 9);
  const b = new SequentialModel(layers, 9);
  const x = input(layers);
  const [ya, yb] = [a, b].map((m) => tf.tidy(() => m.forward(x, { training: true, step: 3 })));
  assert.deepEqual(Array.from(ya.dataSync()), Array.from(yb.dataSync()));
  tf.dispose([x, ya, yb]);
  a.dispose();
  b.dispose();
});

test('a 1000-block residual model (layerNorm + dense 32) builds and runs a forward pass', () => {
  const D = 32;
  const layers = Array.from({ length: 1000 }, (_, i) =>
    layerNode(`blocks[${i}]`, 'residual', { scale: 0.1 }, [D], [D], [
      layerNode(`blocks[${i}].norm`, 'layerNorm', { epsilon: 1e-5, momentum: 0 }, [D], [D]),
      layerNode(`blocks[${i}].dense`, 'dense', { units: D, activation: 'relu', useBias: true }, [D], [D]),
    ]),
  );
  const model = new SequentialModel(layers, 1);
  assert.equal(model.allModules().length, 3000);
  assert.equal(model.trainable().length, 4000);
  const x = tf.randomNormal([3, D], 0, 1, 'float32', 1);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => model.forward(x, { training: true, step: 0 }));
  assert.deepEqual(y.shape, [3, D]);
  assert.ok((y.dataSync() as Float32Array).every(Number.isFinite));
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
  // and back-propagates through all of it
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.sum(model.forward(x, { training: true, step: 0 })) as tf.Scalar);
    assert.equal(Object.keys(grads).length, 4000);
    assert.ok(Number.isFinite(tf.sum(grads[model.trainable()[0].variable.name]).dataSync()[0]));
  });
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  model.dispose();
});
