/**
 * The label layout of a dataset. A task with `positions` P (default 1) owns P consecutive label
 * columns (one class index per position, e.g. the next character at each of T places) and
 * P·classes consecutive logits; tasks follow each other in `tasks` order. Ordinary classification
 * has P = 1 everywhere, so the label row is one column per task.
 */
import { DataError } from './errors';

/** What the layout needs to know of a task (TaskInfo and the engine's TaskSlice both fit). */
export interface LabelLayoutTask {
  name: string;
  classes: number;
  positions?: number;
}

/** Label columns of one task: its `positions`, 1 when absent. */
export const positionsOf = (task: { positions?: number }): number => task.positions ?? 1;

/** Label columns per sample: the sum of the tasks' positions (= tasks.length when none has positions). */
export function labelWidth(tasks: readonly { positions?: number }[]): number {
  let w = 0;
  for (const t of tasks) w += positionsOf(t);
  return w;
}

/** Logits per sample the tasks need: Σ classes·positions. */
export function logitWidth(tasks: readonly { classes: number; positions?: number }[]): number {
  let w = 0;
  for (const t of tasks) w += t.classes * positionsOf(t);
  return w;
}

/** The task each label column belongs to (length labelWidth(tasks)). */
export function columnTasks(tasks: readonly { positions?: number }[]): Int32Array {
  const out = new Int32Array(labelWidth(tasks));
  let col = 0;
  tasks.forEach((t, i) => {
    for (let p = 0; p < positionsOf(t); p++) out[col++] = i;
  });
  return out;
}

/**
 * For analyses written for one label per sample and task (modularity, pruning, routing): throws a
 * DataError naming `what` when a task has a label at several positions, instead of letting them
 * compute with the wrong columns.
 */
export function requireOnePositionPerTask(data: { name?: string; tasks: readonly LabelLayoutTask[] }, what: string): void {
  const t = data.tasks.find((x) => positionsOf(x) !== 1);
  if (t === undefined) return;
  throw new DataError(
    `${what} needs one label per sample and task, but ${data.name ?? 'the data'} labels task '${t.name}' at each of ` +
      `${positionsOf(t)} positions (a sequence source such as data.source: text). Use a classification data set for ${what}.`,
  );
}
