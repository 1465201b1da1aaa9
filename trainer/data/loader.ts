/**
 * What a source loader hands to `loadDataset`: the raw, un-normalised, un-split samples, plus where
 * they came from so that validation errors can point at the file (or generator) and sample.
 */
import type { DataSpec } from '../../spec/types';
import type { TaskInfo } from './types';

export interface RawSplit {
  /** n × prod(sampleShape) values as read (not yet normalised). */
  x: Float32Array;
  /** n × labelWidth(tasks) class indices: one column per task, `positions` columns for a positioned task (data/positions.ts). */
  y: Int32Array;
  n: number;
  /** The file (or generator) the inputs came from, for error messages. */
  origin: string;
  /** The file the labels came from, when it is not `origin`. */
  labelOrigin?: string;
  /** Where sample `i` lives in `origin`, e.g. `line 12`; used in error messages. */
  locate?: (sample: number) => string;
}

export interface RawData {
  name: string;
  sampleShape: number[];
  tasks: TaskInfo[];
  train: RawSplit;
  test?: RawSplit;
  /** The divisor `normalize: auto` uses: 255 for uint8 IDX images, 1 otherwise. */
  autoScale: number;
  /** text: the character each token id stands for; passed on to `Dataset.vocabulary`. */
  vocabulary?: string[];
}

export interface LoadContext {
  seed: number;
  /** Relative `data.path` values resolve against this (the model file's folder). */
  baseDir: string;
}

/** One data source. Registered by `DatasetSource` id in `load.ts`. */
export type Loader = (spec: DataSpec, ctx: LoadContext) => RawData;
