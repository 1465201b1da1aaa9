/**
 * Imports a Keras / tfjs layers-model `model.json` (Sequential, or a Functional model that is a
 * linear chain) as a `layers:` list in file form (camelCase keys, `name:` = the Keras layer name),
 * so it goes through the same checks, ids and shape inference as a written model.
 */
import { fromJson, type SNode } from './source';
import type { Reporter } from './report';
import type { Shape, SourceRange } from './types';

type Json = Record<string, unknown>;

/** Keras class -> our layer type and its config keys (Keras key -> our key). */
const CLASSES: Record<string, { type: string; keys: Record<string, string>; fixed?: Record<string, string> }> = {
  Dense: { type: 'dense', keys: { units: 'units', activation: 'activation', use_bias: 'useBias' } },
  Conv2D: { type: 'conv2d', keys: { filters: 'filters', kernel_size: 'kernelSize', strides: 'strides', padding: 'padding', activation: 'activation', use_bias: 'useBias' } },
  MaxPooling2D: { type: 'maxPool2d', keys: { pool_size: 'poolSize', strides: 'strides', padding: 'padding' } },
  AveragePooling2D: { type: 'avgPool2d', keys: { pool_size: 'poolSize', strides: 'strides', padding: 'padding' } },
  GlobalAveragePooling2D: { type: 'globalAvgPool2d', keys: {} },
  Flatten: { type: 'flatten', keys: {} },
  Dropout: { type: 'dropout', keys: { rate: 'rate' } },
  LayerNormalization: { type: 'layerNorm', keys: { epsilon: 'epsilon' } },
  BatchNormalization: { type: 'batchNorm', keys: { epsilon: 'epsilon', momentum: 'momentum' } },
  Activation: { type: 'activation', keys: { activation: 'activation' } },
  Embedding: { type: 'embedding', keys: { input_dim: 'inputDim', output_dim: 'outputDim' } },
  Softmax: { type: 'activation', keys: {}, fixed: { activation: 'softmax' } },
  ReLU: { type: 'activation', keys: {}, fixed: { activation: 'relu' } },
};
const ALIASES: Record<string, string> = {
  Convolution2D: 'Conv2D', MaxPool2D: 'MaxPooling2D', AvgPool2D: 'AveragePooling2D', GlobalAvgPool2D: 'GlobalAveragePooling2D',
};
export const SUPPORTED_KERAS_CLASSES = ['InputLayer', ...Object.keys(CLASSES)];

const ACTIVATIONS: Record<string, string> = { leaky_relu: 'leakyRelu', silu: 'swish', linear: 'linear', None: 'linear' };

export interface ImportedModel { layers: SNode; inputShape?: Shape }

/**
 * Converts parsed model.json content. Every produced node sits at `range` (the `modelJson:` line);
 * problems are reported there, prefixed with `what` (the model.json path).
 */
export function importModelJson(json: unknown, range: SourceRange, r: Reporter, what: string, maxLayers = Infinity): ImportedModel | undefined {
  const fail = (msg: string): undefined => { r.error(range, 'model-json', `${what}: ${msg}`); return undefined; };
  let topo = obj(obj(json)?.modelTopology) ?? obj(json);
  topo = obj(topo?.model_config) ?? topo;
  const cls = topo?.class_name;
  if (topo === undefined || typeof cls !== 'string') return fail('no Keras model topology (expected `modelTopology.class_name`)');
  const config = topo.config;
  const layers = (Array.isArray(config) ? config : obj(config)?.layers) as unknown[] | undefined;
  if (!Array.isArray(layers)) return fail(`model of class '${cls}' has no 'layers' list`);
  if (layers.length > maxLayers) return fail(`the model has ${layers.length.toLocaleString('en-US')} layers, too many to build (the limit is ${maxLayers.toLocaleString('en-US')}; set DYNAXX_MAX_LAYERS to raise it)`);
  if (cls !== 'Sequential') {
    if (cls !== 'Functional' && cls !== 'Model') return fail(`unsupported model class '${cls}' (expected Sequential, Functional or Model)`);
    const chain = checkChain(layers);
    if (chain !== undefined) return fail(chain);
  }
  let inputShape: Shape | undefined;
  const out: Json[] = [];
  for (const raw of layers) {
    const layer = obj(raw) ?? {};
    const name = String(layer.name ?? obj(layer.config)?.name ?? `layer${out.length}`);
    const lc = obj(layer.config) ?? {};
    const shape = batchShape(lc) ?? batchShape(obj(layer.build_config) ?? {});
    if (inputShape === undefined && out.length === 0 && shape !== undefined) {
      if (shape.some((d) => typeof d !== 'number')) return fail(`layer '${name}' has an input shape with unknown sizes ${JSON.stringify(shape)}; give 'input:' in the model file`);
      inputShape = shape as Shape;
    }
    const className = String(layer.class_name);
    if (className === 'InputLayer') continue;
    const spec = CLASSES[ALIASES[className] ?? className];
    if (spec === undefined) {
      return fail(`layer '${name}' has class '${className}', which is not supported; supported classes: ${SUPPORTED_KERAS_CLASSES.join(', ')}`);
    }
    if (lc.data_format === 'channels_first') return fail(`layer '${name}' uses data_format channels_first; only channels_last is supported`);
    if (className === 'Softmax' && lc.axis !== undefined && lc.axis !== -1) return fail(`layer '${name}' is a softmax over axis ${JSON.stringify(lc.axis)}; only the last axis (-1) is supported`);
    if (className === 'ReLU' && ((lc.max_value ?? null) !== null || (lc.negative_slope ?? 0) !== 0 || (lc.threshold ?? 0) !== 0)) {
      return fail(`layer '${name}' is a ReLU with max_value, negative_slope or threshold; only the plain ReLU is supported`);
    }
    const dil = lc.dilation_rate;
    if (dil !== undefined && [dil].flat().some((d) => d !== 1)) return fail(`layer '${name}' uses dilation_rate ${JSON.stringify(dil)}; only 1 is supported`);
    const item: Json = { type: spec.type, name, ...spec.fixed };
    for (const [k, ours] of Object.entries(spec.keys)) {
      let v = lc[k];
      if (v === undefined || v === null) continue;
      if (k === 'activation') v = typeof v === 'string' ? ACTIVATIONS[v] ?? v : String(obj(v)?.class_name ?? v);
      item[ours] = v;
    }
    out.push(item);
  }
  if (out.length === 0) return fail('the model has no layers');
  return { layers: fromJson(out, range), ...(inputShape ? { inputShape } : {}) };
}

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

/** Sample shape from `batch_input_shape` / `batch_shape` (batch axis dropped) or `input_shape`. */
function batchShape(c: Json): unknown[] | undefined {
  const b = c.batch_input_shape ?? c.batch_shape;
  if (Array.isArray(b)) return b.slice(1);
  return Array.isArray(c.input_shape) ? (c.input_shape[0] === null ? c.input_shape.slice(1) : c.input_shape) : undefined;
}

/** Why a Functional model's layers are not one chain in list order, or undefined when they are. */
function checkChain(layers: unknown[]): string | undefined {
  let prev: string | undefined;
  for (const raw of layers) {
    const layer = obj(raw) ?? {};
    const name = String(layer.name ?? obj(layer.config)?.name);
    const inbound = inboundNames(layer.inbound_nodes);
    if (prev === undefined) {
      if (inbound.length > 0) return `layer '${name}' is first but has inputs ${inbound.join(', ')}`;
    } else if (inbound.length !== 1 || inbound[0] !== prev) {
      return `only linear chains are supported, but layer '${name}' takes [${inbound.join(', ')}] instead of '${prev}'`;
    }
    prev = name;
  }
  return undefined;
}

/** Layer names feeding a layer, from Keras 2 (`[[[name, 0, 0, {}]]]`) or Keras 3 (`keras_history`) nodes. */
function inboundNames(nodes: unknown): string[] {
  const names: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && typeof v[1] === 'number') { names.push(v[0]); return; }
      v.forEach(walk);
    } else if (obj(v)) {
      const h = obj(obj(v)!.config)?.keras_history;
      if (Array.isArray(h) && typeof h[0] === 'string') { names.push(h[0]); return; }
      Object.values(obj(v)!).forEach(walk);
    }
  };
  walk(nodes);
  return [...new Set(names)];
}
