/** The layer registry: one factory per LayerType, keyed by the type id. */
import type { LayerNode, LayerType } from '../../../spec/types';
import type { Module } from '../module';
import { ActivationLayer } from './activation';
import { Attention } from './attention';
import { BatchNorm } from './batchNorm';
import { Conv2d } from './conv2d';
import { Dense } from './dense';
import { Dropout } from './dropout';
import { Embedding } from './embedding';
import { Flatten } from './flatten';
import { GlobalAvgPool2d } from './globalAvgPool2d';
import type { Initializer } from './init';
import { LayerNorm } from './layerNorm';
import { AvgPool2d, MaxPool2d } from './pool2d';
import { Residual } from './residual';
import { Transformer } from './transformer';
import { PatchEmbed } from './patch-embed';
import { TokenPool } from './token-pool';
import { DnaLayer } from '../../dna/layer';
import { MoeLayer } from '../../dna/moe';

export type ModuleFactory = (node: LayerNode, init: Initializer) => Module;

export const layerFactories: Record<LayerType, ModuleFactory> = {
  dense: (n, init) => new Dense(n as LayerNode<'dense'>, init),
  conv2d: (n, init) => new Conv2d(n as LayerNode<'conv2d'>, init),
  maxPool2d: (n) => new MaxPool2d(n as LayerNode<'maxPool2d'>),
  avgPool2d: (n) => new AvgPool2d(n as LayerNode<'avgPool2d'>),
  globalAvgPool2d: (n) => new GlobalAvgPool2d(n),
  flatten: (n) => new Flatten(n),
  dropout: (n, init) => new Dropout(n as LayerNode<'dropout'>, init),
  layerNorm: (n, init) => new LayerNorm(n as LayerNode<'layerNorm'>, init),
  batchNorm: (n, init) => new BatchNorm(n as LayerNode<'batchNorm'>, init),
  activation: (n) => new ActivationLayer(n as LayerNode<'activation'>),
  embedding: (n, init) => new Embedding(n as LayerNode<'embedding'>, init),
  residual: (n, init) => new Residual(n as LayerNode<'residual'>, init, createModule),
  attention: (n, init) => new Attention(n as LayerNode<'attention'>, init),
  transformer: (n, init) => new Transformer(n as LayerNode<'transformer'>, init),
  patchEmbed: (n, init) => new PatchEmbed(n as LayerNode<'patchEmbed'>, init),
  tokenPool: (n) => new TokenPool(n as LayerNode<'tokenPool'>),
  dna: (n, init) => new DnaLayer(n as LayerNode<'dna'>, init),
  moe: (n, init) => new MoeLayer(n as LayerNode<'moe'>, init),
};

/** Builds the module for a resolved node (and, for a residual, its body). */
export function createModule(node: LayerNode, init: Initializer): Module {
  const factory = layerFactories[node.type];
  if (factory === undefined) throw new Error(`${node.id}: unknown layer type '${node.type}'`);
  return factory(node, init);
}

export { Initializer } from './init';
