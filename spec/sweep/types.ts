/**
 * The sweep file (`*.sweep.yaml`) once read: its axes with their positions, the search, the metric, the seeds.
 * `SweepCommand`, `SweepMetric` and `PointError` mirror protocol/sweep.ts structurally: protocol/ depends on spec/
 * (project references), so spec/ cannot import it; the shapes are identical, so values pass between them freely.
 */
import type { SourceRange } from '../types';

/** What a sweep's points run (protocol/sweep.ts SweepCommand). */
export type SweepCommand = 'train' | 'prune';

/** The number a sweep compares, and which way is better (protocol/sweep.ts SweepMetric). */
export interface SweepMetric {
  name: string;
  goal: 'max' | 'min';
}

/** A point the sweep file itself refuses (protocol/sweep.ts PointError). */
export interface PointError {
  index: number;
  message: string;
}

/** One axis: a key path into the model file and the values it takes, in file order. */
export interface SweepAxis {
  /** As written: `model.layers[1].units`. */
  path: string;
  /** Keys and list indices: `['model', 'layers', 1, 'units']`. */
  segments: Array<string | number>;
  /** Plain values as the sweep file writes them (`off` removes the key, unless the key itself accepts `off`). */
  values: unknown[];
  /** The axis's key in the sweep file. */
  range: SourceRange;
  /** Each value's range in the sweep file, parallel to `values`. */
  valueRanges: SourceRange[];
}

/** `grid`: every combination; `random`: `budget` distinct grid points drawn with `seed`. */
export type SweepSearch = { kind: 'grid' } | { kind: 'random'; budget: number; seed: number };

export interface SweepSpec {
  /** The sweep file, as given. */
  file: string;
  name: string;
  /** The base model file as written in `model:`. */
  model: string;
  /** `model`, resolved against the sweep file's directory. */
  modelPath: string;
  /** Where `model:`'s value is written (errors about the base file that are not inside it point here). */
  modelRange: SourceRange;
  command: SweepCommand;
  axes: SweepAxis[];
  search: SweepSearch;
  metric: SweepMetric;
  /** Axis paths that repeat a point (seeds), in axis order. */
  seedAxes: string[];
  attempts: number;
  /** Points of the full grid (product of the axes' lengths). */
  gridSize: number;
  /** Points the sweep runs: the grid size, or the random budget capped at it. */
  pointCount: number;
}
