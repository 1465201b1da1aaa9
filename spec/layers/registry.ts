/** Every layer type except `residual` (a structural block, handled by `layer-list.ts`). */
import type { LayerType } from '../types';
import { activation } from './activation';
import { attention } from './attention';
import { conv2d } from './conv2d';
import { dense } from './dense';
import { dropout } from './dropout';
import { embedding } from './embedding';
import { flatten } from './flatten';
import { globalAvgPool2d } from './global-avg-pool2d';
import type { LayerKind } from './kind';
import { batchNorm, layerNorm } from './norm';
import { avgPool2d, maxPool2d } from './pool';
import { transformer } from './transformer';
import { dna, moe } from './dna';
import { patchEmbed } from './patch-embed';
import { tokenPool } from './token-pool';

export type SimpleLayerType = Exclude<LayerType, 'residual'>;

export const LAYER_KINDS: { [T in SimpleLayerType]: LayerKind<T> } = {
  dense, conv2d, maxPool2d, avgPool2d, globalAvgPool2d, flatten, dropout, layerNorm, batchNorm, activation, embedding,
  attention, transformer, patchEmbed, tokenPool, dna, moe,
};

export const LAYER_TYPES: LayerType[] = [...(Object.keys(LAYER_KINDS) as SimpleLayerType[]), 'residual'];

export function layerKind(type: SimpleLayerType): LayerKind {
  return LAYER_KINDS[type] as unknown as LayerKind;
}
