/**
 * Checks on raw samples before training sees them: every input finite, every label a class index
 * in range. Errors name the file (or generator), the sample and the feature.
 */
import { DataError } from './errors';
import type { RawSplit } from './loader';
import { columnTasks, labelWidth, positionsOf } from './positions';
import type { TaskInfo } from './types';

function where(split: RawSplit, sample: number): string {
  const loc = split.locate?.(sample);
  return loc ? `sample ${sample} (${loc})` : `sample ${sample}`;
}

/** Rejects NaN and ±Infinity in the inputs. */
export function checkFinite(split: RawSplit, sampleSize: number): void {
  const x = split.x;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    // v - v is 0 for every finite v and NaN for NaN and ±Infinity: one fast test for both.
    if (v - v !== 0) {
      const sample = Math.floor(i / sampleSize);
      const feature = i - sample * sampleSize;
      throw new DataError(
        `${split.origin}: ${where(split, sample)}, feature ${feature} is ${v}; inputs must be finite numbers. ` +
          'Remove or impute the missing/invalid values in the data before training.',
      );
    }
  }
}

/** Rejects labels outside [0, classes) for each label column (a task with positions owns several). */
export function checkLabels(split: RawSplit, tasks: TaskInfo[]): void {
  const t = labelWidth(tasks);
  const owner = columnTasks(tasks);
  const y = split.y;
  if (y.length !== split.n * t) {
    const per = t === tasks.length ? `${t} tasks` : `${t} label columns (${tasks.map((k) => `${k.name}: ${positionsOf(k)}`).join(', ')})`;
    throw new DataError(`${split.labelOrigin ?? split.origin}: ${y.length} label values for ${split.n} samples × ${per}.`);
  }
  for (let i = 0; i < y.length; i++) {
    const col = i % t;
    const task = tasks[owner[col]];
    const v = y[i];
    if (v < 0 || v >= task.classes) {
      const sample = Math.floor(i / t);
      const pos = positionsOf(task) > 1 ? `, position ${col - owner.indexOf(owner[col])}` : '';
      const which = tasks.length > 1 || pos ? ` (task '${task.name}'${pos})` : '';
      throw new DataError(
        `${split.labelOrigin ?? split.origin}: ${where(split, sample)} has label ${v}${which}, outside 0..${task.classes - 1}. ` +
          (v < 0
            ? 'Labels must be non-negative class indices.'
            : `Set data.classes to at least ${v + 1}, or fix the label.`),
      );
    }
  }
}

/**
 * Converts numeric labels to class indices: they must be integers ≥ 0. `origin` names the labels file.
 */
export function toClassIndices(values: ArrayLike<number>, origin: string): Int32Array {
  const y = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new DataError(
        `${origin}: label ${i} is ${v}; labels must be non-negative integer class indices.`,
      );
    }
    y[i] = v;
  }
  return y;
}

/** Largest value + 1 over label arrays (0 for empty arrays). */
export function countClasses(...labels: (Int32Array | undefined)[]): number {
  let max = -1;
  for (const y of labels) if (y) for (let i = 0; i < y.length; i++) if (y[i] > max) max = y[i];
  return max + 1;
}
