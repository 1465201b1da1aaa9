import type { PoolConfig } from '../types';
import { prod, window2d, type LayerKind } from './kind';
import type { FieldTable } from '../fields';

const fields: FieldTable = {
  poolSize: { kind: 'pair', default: [2, 2], doc: 'Window size: a number or [height, width].' },
  strides: { kind: 'pair', doc: 'Strides: a number or [height, width] (default: poolSize).' },
  padding: { kind: 'enum', values: ['same', 'valid'], default: 'valid', doc: '`valid` (no padding) or `same`.' },
};

const toConfig = (r: Record<string, unknown>): PoolConfig => ({
  poolSize: r.poolSize as [number, number],
  strides: (r.strides ?? r.poolSize) as [number, number],
  padding: r.padding as 'same' | 'valid',
});

function pool<T extends 'maxPool2d' | 'avgPool2d'>(type: T, doc: string): LayerKind<T> {
  return {
    type,
    doc,
    fields,
    toConfig: toConfig as LayerKind<T>['toConfig'],
    inferShape: (input, c: PoolConfig) => {
      const hw = window2d(type, input, c.poolSize, c.strides, c.padding);
      return typeof hw === 'string' ? hw : [...hw, input[2]!];
    },
    params: () => 0,
    /** One compare (max) or add (avg) per window element per output element. */
    flops: (_input, output, c: PoolConfig) => prod(output) * c.poolSize[0] * c.poolSize[1],
    depth: 0,
  } as LayerKind<T>;
}

export const maxPool2d = pool('maxPool2d', 'Max pooling on [H, W, C]: keeps C, shrinks H and W.');
export const avgPool2d = pool('avgPool2d', 'Average pooling on [H, W, C]: keeps C, shrinks H and W.');
