/** The example from the README: shapes, parameters, FLOPs, ids, defaults. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from './test-helpers';
import { walkLayers, findLayer } from './walk';

const EXAMPLE = `
  name: fashion-mlp
  data:
    source: fashion-mnist      # fashion-mnist | mnist | idx | csv | npy | synthetic
    validation: 0.1
  model:
    input: [784]
    layers:
      - type: dense
        units: 256
        activation: relu
      - type: dropout
        rate: 0.2
      - type: residual
        name: blocks
        repeat: 4
        layers:
          - { type: layerNorm, name: norm }
          - { type: dense, name: dense, units: 256, activation: gelu }
      - { type: dense, units: 10 }
  train:
    epochs: 10
    batchSize: 128
    optimizer: { type: adam, lr: 0.001 }
    schedule: { type: cosine, warmupSteps: 200 }
    clipNorm: 1.0
    seed: 42
    backend: auto
`;

test('the README example resolves with the documented ids and shapes', () => {
  const { model, diagnostics } = parse(EXAMPLE);
  assert.deepEqual(diagnostics, []);
  assert.ok(model);
  assert.equal(model.name, 'fashion-mlp');
  assert.deepEqual(model.layers.map((n) => n.id), ['layers[0]', 'layers[1]', 'blocks[0]', 'blocks[1]', 'blocks[2]', 'blocks[3]', 'layers[3]']);
  assert.deepEqual(model.layers[2]!.body!.map((n) => n.id), ['blocks[0].norm', 'blocks[0].dense']);
  for (const n of walkLayers(model.layers.slice(1, 6))) assert.deepEqual(n.outputShape, [256]);
  assert.deepEqual(model.layers[6]!.outputShape, [10]);
  assert.equal(model.depth, 6);
});

test('parameters and FLOPs are counted as documented', () => {
  const { model } = parse(EXAMPLE);
  assert.ok(model);
  const first = model.layers[0]!;
  assert.equal(first.params, 784 * 256 + 256);
  // 2·in·out multiply-adds + out bias adds + 1 flop per relu
  assert.equal(first.flops, 2 * 784 * 256 + 256 + 256);
  const norm = findLayer(model, 'blocks[2].norm')!;
  assert.equal(norm.params, 2 * 256);
  assert.equal(norm.flops, 8 * 256);
  const inner = findLayer(model, 'blocks[2].dense')!;
  assert.equal(inner.params, 256 * 256 + 256);
  assert.equal(inner.flops, 2 * 256 * 256 + 256 + 8 * 256); // gelu = 8 per element
  const block = model.layers[2]!;
  assert.equal(block.params, norm.params + inner.params);
  assert.equal(block.flops, norm.flops + inner.flops + 2 * 256); // + x + scale·body(x)
  const head = model.layers[6]!;
  assert.equal(head.params, 256 * 10 + 10);
  assert.equal(model.params, first.params + 4 * block.params + head.params);
  assert.equal(model.flops, model.layers.reduce((a, n) => a + n.flops, 0));
});

test('conv2d and pooling shapes, parameters and FLOPs', () => {
  const { model, diagnostics } = parse(`
    model:
      input: [28, 28, 1]
      layers:
        - { type: conv2d, name: c1, filters: 32, kernelSize: 3, activation: relu }
        - { type: maxPool2d }
        - { type: conv2d, name: c2, filters: 64, kernelSize: [3, 3], padding: valid, strides: 2 }
        - { type: globalAvgPool2d }
        - { type: dense, units: 10 }
  `);
  assert.deepEqual(diagnostics, []);
  assert.ok(model);
  const [c1, pool, c2, gap] = model.layers;
  assert.deepEqual(c1!.outputShape, [28, 28, 32]);
  assert.equal(c1!.params, 3 * 3 * 1 * 32 + 32);
  // 2·kh·kw·cin·cout·Hout·Wout + bias + relu
  assert.equal(c1!.flops, 2 * 3 * 3 * 1 * 32 * 28 * 28 + 28 * 28 * 32 + 28 * 28 * 32);
  assert.deepEqual(pool!.outputShape, [14, 14, 32]);
  assert.deepEqual(pool!.config, { poolSize: [2, 2], strides: [2, 2], padding: 'valid' });
  assert.deepEqual(c2!.outputShape, [6, 6, 64]); // floor((14 - 3) / 2) + 1
  assert.equal(c2!.flops, 2 * 3 * 3 * 32 * 64 * 6 * 6 + 6 * 6 * 64);
  assert.deepEqual(gap!.outputShape, [64]);
  assert.equal(model.depth, 3);
  assert.equal(model.data.source, 'fashion-mnist');
  assert.deepEqual(model.data.shape, [28, 28, 1]);
});

test('attention and transformer parameters', () => {
  const { model, diagnostics } = parse(`
    data: { source: synthetic, kind: sequence }
    model:
      input: [16]
      layers:
        - { type: embedding, inputDim: 100, outputDim: 32 }
        - { type: attention, heads: 4 }
        - { type: transformer, heads: 4 }
        - { type: flatten }
        - { type: dense, units: 3 }
  `);
  assert.deepEqual(diagnostics, []);
  assert.ok(model);
  const [emb, attn, tr, flat] = model.layers;
  const d = 32;
  assert.equal(emb!.params, 100 * 32);
  assert.deepEqual(emb!.outputShape, [16, 32]);
  assert.equal(attn!.params, 4 * d * d + 4 * d);
  assert.equal(tr!.params, 4 * d * d + 4 * d + 2 * 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d));
  assert.deepEqual(tr!.config, { heads: 4, mlpRatio: 4, causal: false, dropout: 0 });
  assert.deepEqual(flat!.outputShape, [16 * 32]);
  assert.equal(model.depth, 1 + 1 + 2 + 1);
});

test('defaults are applied to data, train and layers', () => {
  const { model, diagnostics } = parse(`
    model:
      input: [10]
      layers:
        - { type: dense, units: 4 }
        - { type: batchNorm }
        - { type: layerNorm }
  `);
  assert.deepEqual(diagnostics, []);
  assert.ok(model);
  assert.equal(model.name, 'test');
  assert.deepEqual(model.data, { source: 'synthetic', kind: 'blobs', validation: 0.1, normalize: 'auto', limit: 0 });
  assert.deepEqual(model.train, {
    epochs: 1, steps: 0, batchSize: 64, clipNorm: 0, seed: 42, backend: 'auto', evalEvery: 0, checkpointEvery: 0, statsEvery: 0,
    optimizer: { type: 'adam', lr: 1e-3, momentum: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 },
    schedule: { type: 'constant', warmupSteps: 0, minFactor: 0 },
  });
  assert.deepEqual(model.layers[0]!.config, { units: 4, activation: 'linear', useBias: true });
  assert.deepEqual(model.layers[1]!.config, { epsilon: 1e-3, momentum: 0.99 });
  assert.equal(model.layers[2]!.config && (model.layers[2]!.config as { epsilon: number }).epsilon, 1e-5);
  assert.deepEqual(model.extra, {});
});

test('shorthands: optimizer/schedule names, adamw weight decay, data.shape as input, extra sections', () => {
  const { model, diagnostics } = parse(`
    data: { source: mnist, shape: [28, 28, 1], path: ./data/mnist }
    model:
      layers: [{ type: flatten }, { type: dense, units: 10 }]
    train: { optimizer: adamw, schedule: cosine }
    stabilize: auto
    dna: { hops: 3 }
  `);
  assert.deepEqual(diagnostics, []);
  assert.ok(model);
  assert.deepEqual(model.inputShape, [28, 28, 1]);
  assert.equal(model.data.path, '/models/data/mnist');
  assert.equal(model.train.optimizer.type, 'adamw');
  assert.equal(model.train.optimizer.weightDecay, 0.01);
  assert.equal(model.train.schedule.type, 'cosine');
  assert.deepEqual(model.extra, { dna: { hops: 3 } });
  assert.equal(model.stabilize?.auto, true);
});

test('empty data: and train: sections mean defaults', () => {
  const { model, diagnostics } = parse(`
    data:
    model: { input: [784], layers: [{ type: dense, units: 10 }] }
    train:
  `);
  assert.deepEqual(diagnostics, []);
  assert.equal(model?.data.source, 'fashion-mnist');
  assert.equal(model?.train.epochs, 1);
});
