/**
 * The layer registry: one factory per LayerType, keyed by the type id. The engine's own layers are listed here
 * (exhaustively); a technique's layers (TECHNIQUE_LAYERS) register themselves from the technique's folder with
 * registerLayerModule, so the engine imports no technique.
 */
import type { LayerNode, LayerType } from '../../../spec/types';
import type { Module } from '../module';
import { ActivationLayer } from './activation';
import { Attention } from './attention';
import { BatchNorm } from './batchNorm';
import { Conv2d } from './conv2d';
import { Dense } from './dense';
import { Dropout } from './dropout';
import { Embedding } from './embedding';
import type { ModuleFactory } from './factory';
import { Flatten } from './flatten';
import { GlobalAvgPool2d } from './globalAvgPool2d';
import type { Initializer } from './init';
import { LayerNorm } from './layerNorm';
import { AvgPool2d, MaxPool2d } from './pool2d';
import { Residual } from './residual';
import { Transformer } from './transformer';
import { PatchEmbed } from './patch-embed';
import { TokenPool } from './token-pool';

/** Layer types a technique provides, and the module whose import registers each (for the error when it was not). */
export const TECHNIQUE_LAYERS = {
  dna: 'trainer/dna/register',
  moe: 'trainer/dna/register',
} as const satisfies Partial<Record<LayerType, string>>;

export type TechniqueLayerType = keyof typeof TECHNIQUE_LAYERS;
export type EngineLayerType = Exclude<LayerType, TechniqueLayerType>;

const ENGINE_LAYERS: { [T in EngineLayerType]: ModuleFactory<LayerNode<T>> } = {
  dense: (n, init) => new Dense(n, init),
  conv2d: (n, init) => new Conv2d(n, init),
  maxPool2d: (n) => new MaxPool2d(n),
  avgPool2d: (n) => new AvgPool2d(n),
  globalAvgPool2d: (n) => new GlobalAvgPool2d(n),
  flatten: (n) => new Flatten(n),
  dropout: (n, init) => new Dropout(n, init),
  layerNorm: (n, init) => new LayerNorm(n, init),
  batchNorm: (n, init) => new BatchNorm(n, init),
  activation: (n) => new ActivationLayer(n),
  embedding: (n, init) => new Embedding(n, init),
  residual: (n, init) => new Residual(n, init, createModule),
  attention: (n, init) => new Attention(n, init),
  transformer: (n, init) => new Transformer(n, init),
  patchEmbed: (n, init) => new PatchEmbed(n, init),
  tokenPool: (n) => new TokenPool(n),
};

const registered: { [T in TechniqueLayerType]?: ModuleFactory<LayerNode<T>> } = {};

/** Called by a technique (its register.ts) for each layer type it provides; registering again replaces the factory. */
export function registerLayerModule<T extends TechniqueLayerType>(type: T, factory: ModuleFactory<LayerNode<T>>): void {
  (registered as Record<T, ModuleFactory<LayerNode<T>>>)[type] = factory;
}

function isTechniqueLayer(type: LayerType): type is TechniqueLayerType {
  return Object.prototype.hasOwnProperty.call(TECHNIQUE_LAYERS, type);
}

function factoryFor(node: LayerNode): ModuleFactory | undefined {
  const type = node.type;
  if (isTechniqueLayer(type)) {
    const f = registered[type] as ModuleFactory | undefined;
    if (!f) throw new Error(`${node.id}: layer type '${type}' is not registered: import ${TECHNIQUE_LAYERS[type]} where the model is built`);
    return f;
  }
  return ENGINE_LAYERS[type] as ModuleFactory | undefined;
}

/** Builds the module for a resolved node (and, for a residual, its body). */
export function createModule(node: LayerNode, init: Initializer): Module {
  const factory = factoryFor(node);
  if (factory === undefined) throw new Error(`${node.id}: unknown layer type '${node.type}'`);
  return factory(node, init);
}

export type { ModuleFactory } from './factory';
export { Initializer } from './init';
