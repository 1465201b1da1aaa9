/** Importing a Keras / tfjs layers-model `model.json`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelText } from './parse';
import { errors, parse } from './test-helpers';

const SEQUENTIAL = {
  format: 'layers-model',
  generatedBy: 'keras v2.15.0',
  modelTopology: {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'Conv2D', config: { name: 'conv2d', batch_input_shape: [null, 28, 28, 1], filters: 8, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', use_bias: true, data_format: 'channels_last', dilation_rate: [1, 1] } },
        { class_name: 'MaxPooling2D', config: { name: 'max_pooling2d', pool_size: [2, 2], strides: null, padding: 'valid' } },
        { class_name: 'Flatten', config: { name: 'flatten' } },
        { class_name: 'Dropout', config: { name: 'dropout', rate: 0.25 } },
        { class_name: 'Dense', config: { name: 'dense', units: 10, activation: 'softmax', use_bias: true, kernel_initializer: { class_name: 'GlorotUniform' } } },
      ],
    },
  },
  weightsManifest: [],
};

const MODEL_FILE = `
  name: imported
  model:
    modelJson: ./keras/model.json
  train: { epochs: 2 }
`;

function readFrom(files: Record<string, unknown>) {
  return (p: string): string => {
    if (!(p in files)) throw new Error(`ENOENT: no such file ${p}`);
    return JSON.stringify(files[p]);
  };
}

test('a Sequential model.json becomes layers named after the Keras layers', () => {
  const res = parse(MODEL_FILE, { readFile: readFrom({ '/models/keras/model.json': SEQUENTIAL }) });
  assert.deepEqual(res.diagnostics, []);
  const m = res.model!;
  assert.equal(m.modelJson, '/models/keras/model.json');
  assert.deepEqual(m.inputShape, [28, 28, 1]);
  assert.deepEqual(m.layers.map((n) => [n.id, n.type]), [
    ['conv2d', 'conv2d'], ['max_pooling2d', 'maxPool2d'], ['flatten', 'flatten'], ['dropout', 'dropout'], ['dense', 'dense'],
  ]);
  assert.deepEqual(m.layers[0]!.outputShape, [26, 26, 8]);
  assert.deepEqual(m.layers[1]!.outputShape, [13, 13, 8]);
  assert.equal(m.layers[4]!.params, 13 * 13 * 8 * 10 + 10);
  assert.deepEqual(m.layers[4]!.config, { units: 10, activation: 'softmax', useBias: true });
  assert.equal(m.layers[0]!.range.line, 3); // the modelJson: line
  assert.equal(m.data.source, 'fashion-mnist');
});

test('a linear Functional model (Keras 2 inbound nodes) with an InputLayer', () => {
  const functional = {
    modelTopology: {
      model_config: {
        class_name: 'Functional',
        config: {
          name: 'model',
          layers: [
            { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, 20] }, inbound_nodes: [] },
            { class_name: 'Dense', name: 'd1', config: { name: 'd1', units: 16, activation: 'leaky_relu' }, inbound_nodes: [[['in', 0, 0, {}]]] },
            { class_name: 'LayerNormalization', name: 'ln', config: { name: 'ln', epsilon: 0.001 }, inbound_nodes: [[['d1', 0, 0, {}]]] },
            { class_name: 'Dense', name: 'd2', config: { name: 'd2', units: 3 }, inbound_nodes: [[['ln', 0, 0, {}]]] },
          ],
        },
      },
    },
  };
  const res = parse(MODEL_FILE, { readFile: readFrom({ '/models/keras/model.json': functional }) });
  assert.deepEqual(errors(res), []);
  assert.deepEqual(res.model!.layers.map((n) => n.id), ['d1', 'ln', 'd2']);
  assert.equal((res.model!.layers[0]!.config as { activation: string }).activation, 'leakyRelu');
  assert.deepEqual(res.model!.inputShape, [20]);
});

test('unsupported layer classes are named, with the supported list', () => {
  const lstm = structuredClone(SEQUENTIAL);
  lstm.modelTopology.config.layers.splice(2, 0, { class_name: 'LSTM', config: { name: 'lstm' } } as never);
  const [d] = errors(parse(MODEL_FILE, { readFile: readFrom({ '/models/keras/model.json': lstm }) }));
  assert.equal(d?.code, 'model-json');
  assert.match(d!.message, /layer 'lstm' has class 'LSTM', which is not supported; supported classes: InputLayer, Dense, Conv2D/);
  assert.equal(d?.range.line, 3);
});

test('branching Functional models and missing files are errors', () => {
  const branching = { modelTopology: { class_name: 'Functional', config: { layers: [
    { class_name: 'InputLayer', name: 'in', config: { batch_input_shape: [null, 4] }, inbound_nodes: [] },
    { class_name: 'Dense', name: 'a', config: { units: 4 }, inbound_nodes: [[['in', 0, 0, {}]]] },
    { class_name: 'Dense', name: 'b', config: { units: 4 }, inbound_nodes: [[['in', 0, 0, {}]]] },
  ] } } };
  const d1 = errors(parse(MODEL_FILE, { readFile: readFrom({ '/models/keras/model.json': branching }) }))[0]!;
  assert.match(d1.message, /only linear chains are supported, but layer 'b' takes \[in\] instead of 'a'/);
  const d2 = errors(parse(MODEL_FILE, { readFile: readFrom({}) }))[0]!;
  assert.match(d2.message, /cannot read \.\/keras\/model\.json/);
});

test('bad Keras values are reported with the model.json name', () => {
  const bad = structuredClone(SEQUENTIAL);
  (bad.modelTopology.config.layers[4]!.config as Record<string, unknown>).activation = 'hard_sigmoid';
  const [d] = errors(parse(MODEL_FILE, { readFile: readFrom({ '/models/keras/model.json': bad }) }));
  assert.match(d!.message, /^\.\/keras\/model\.json: 'activation' must be one of/);
});

test('Keras Softmax and ReLU layers import as activation layers; a softmax over another axis is refused', () => {
  const json = (extra: object) => JSON.stringify({ modelTopology: { class_name: 'Sequential', config: { layers: [
    { class_name: 'Dense', config: { name: 'd', units: 3, batch_input_shape: [null, 4] } },
    { class_name: 'ReLU', config: { name: 'r' } },
    { class_name: 'Softmax', config: { name: 's', ...extra } },
  ] } } });
  const ok = parseModelText('model:\n  modelJson: m.json\n', '/x/a.dynaxx.yaml', { readFile: () => json({ axis: -1 }) });
  assert.deepEqual(ok.model!.layers.map((l) => [l.id, l.type, (l.config as { activation?: string }).activation]),
    [['d', 'dense', 'linear'], ['r', 'activation', 'relu'], ['s', 'activation', 'softmax']]);
  const bad = parseModelText('model:\n  modelJson: m.json\n', '/x/a.dynaxx.yaml', { readFile: () => json({ axis: 1 }) });
  assert.match(bad.diagnostics[0]!.message, /softmax over axis 1/);
});
