/**
 * `data.tasks`: keeps only the named task columns of the labels, in the given order. Works for any
 * source, since task names are known once the raw data is loaded (csv: the label column's header).
 */
import { didYouMean } from '../../spec/suggest';
import { DataError } from './errors';
import type { RawData, RawSplit } from './loader';
import { labelWidth, positionsOf } from './positions';

/** The label columns `cols` of a split whose rows have `from` columns. */
function pick(split: RawSplit, from: number, cols: number[]): RawSplit {
  const y = new Int32Array(split.n * cols.length);
  for (let i = 0; i < split.n; i++) {
    for (let k = 0; k < cols.length; k++) y[i * cols.length + k] = split.y[i * from + cols[k]];
  }
  return { ...split, y };
}

/** The raw data with only the `names` tasks' label columns (in that order); unchanged when `names` is absent. */
export function selectTasks(raw: RawData, names: readonly string[] | undefined): RawData {
  if (names === undefined) return raw;
  const available = raw.tasks.map((t) => t.name);
  if (!Array.isArray(names) || names.length === 0) {
    throw new DataError(`data.tasks must list at least one task; ${raw.name} has tasks ${available.join(', ')}.`);
  }
  const cols = names.map((name, i) => {
    const col = available.indexOf(name);
    if (col < 0) {
      const s = didYouMean(String(name), available);
      throw new DataError(
        `data.tasks: unknown task '${name}'; ${raw.name} has tasks ${available.join(', ')}${s ? ` (did you mean '${s}'?)` : ''}.`,
      );
    }
    if (names.indexOf(name) !== i) throw new DataError(`data.tasks: '${name}' is listed twice.`);
    return col;
  });
  if (cols.length === available.length && cols.every((c, i) => c === i)) return raw;
  // a task with positions P owns P consecutive label columns, starting after the tasks before it
  const start: number[] = [];
  let at = 0;
  for (const t of raw.tasks) {
    start.push(at);
    at += positionsOf(t);
  }
  const labelCols = cols.flatMap((c) => Array.from({ length: positionsOf(raw.tasks[c]) }, (_, p) => start[c] + p));
  const from = labelWidth(raw.tasks);
  return {
    ...raw,
    tasks: cols.map((c) => raw.tasks[c]),
    train: pick(raw.train, from, labelCols),
    ...(raw.test ? { test: pick(raw.test, from, labelCols) } : {}),
  };
}
