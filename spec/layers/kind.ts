/**
 * The contract of one layer type: its keys in the file, how raw values become its config, and how
 * it maps shapes and counts parameters and FLOPs. One file per type, collected in `registry.ts`.
 */
import type { FieldTable } from '../fields';
import type { LayerConfigByType, LayerType, Shape } from '../types';

export interface LayerKind<T extends LayerType = LayerType> {
  type: T;
  /** One line for hover/completion docs. */
  doc: string;
  /** Keys besides `type` and `name`. */
  fields: FieldTable;
  /** Raw checked values (defaults filled) -> config; e.g. pool `strides` defaulting to `poolSize`. */
  toConfig(raw: Record<string, unknown>): LayerConfigByType[T];
  /** Output shape for `input`, or a sentence saying why `input` does not fit. */
  inferShape(input: Shape, cfg: LayerConfigByType[T]): Shape | string;
  /** Trainable + non-trainable parameters. */
  params(input: Shape, cfg: LayerConfigByType[T]): number;
  /** Forward FLOPs per sample (multiply-add = 2). `output` is what `inferShape` returned. */
  flops(input: Shape, output: Shape, cfg: LayerConfigByType[T]): number;
  /** Trainable weight layers this type counts for in `ModelFile.depth`. */
  depth: number;
}

export const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
export const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Spatial output size of a window op (conv/pool) along one axis; <= 0 when the window does not fit. */
export function windowOut(size: number, k: number, stride: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - k) / stride) + 1;
}

/** [Hout, Wout] of a 2-D window op on [H, W, C], or a reason. */
export function window2d(
  what: string, input: Shape, k: [number, number], s: [number, number], padding: 'same' | 'valid',
): [number, number] | string {
  if (input.length !== 3) return `${what} needs an [H, W, C] input (rank 3), got ${fmt(input)}`;
  const h = windowOut(input[0]!, k[0], s[0], padding);
  const w = windowOut(input[1]!, k[1], s[1], padding);
  if (h <= 0 || w <= 0) {
    return `${what} window ${k[0]}x${k[1]} is bigger than the ${input[0]}x${input[1]} input (padding: valid)`;
  }
  return [h, w];
}
