/** The shape of a layer factory: builds the module for one resolved node (its own file, so a layer that builds
 * children, like the residual block, names the type without importing the registry that imports it). */
import type { LayerNode } from '../../../spec/types';
import type { Module } from '../module';
import type { Initializer } from './init';

export type ModuleFactory<N extends LayerNode = LayerNode> = (node: N, init: Initializer) => Module;
