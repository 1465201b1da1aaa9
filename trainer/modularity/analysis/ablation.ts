/**
 * Lesion analysis: remove one subnetwork at a time and see which task loses accuracy. A modular
 * network has subnetworks whose removal hurts one task and leaves the others alone.
 */
import type { SpecializedSubnetwork } from '../../../protocol/reports';
import type { Split, TaskInfo } from '../../data/types';
import { evaluateMasked, masksWithout, subnetworkSizes, type MaskedEvalOptions } from './masked-eval';
import type { EvalResult, ForwardNet, Partition, UnitMasks } from './types';

export interface AblationRow {
  subnetwork: number;
  /** Units in the subnetwork, over all layers of the partition. */
  units: number;
  /** Per task, in points (0-100): full accuracy minus accuracy without this subnetwork. */
  accuracyDrop: number[];
  /** Per task, per class, in points (NaN for a class absent from the split). */
  classDrop: number[][];
  /** Per task, accuracy (fraction) without this subnetwork. */
  accuracy: number[];
}

export interface AblationTable {
  /** The model with `base` masks only. */
  full: EvalResult;
  rows: AblationRow[];
}

/** Evaluates the model once as it is (with `base`), then once per subnetwork with that subnetwork removed. */
export async function ablationTable(
  net: ForwardNet,
  split: Split,
  tasks: TaskInfo[],
  sampleShape: number[],
  partition: Partition,
  base?: UnitMasks,
  opts: MaskedEvalOptions = {},
): Promise<AblationTable> {
  const full = await evaluateMasked(net, split, tasks, sampleShape, base, opts);
  const sizes = subnetworkSizes(partition);
  const rows: AblationRow[] = [];
  for (let k = 0; k < partition.k; k++) {
    // an empty subnetwork removes nothing: same accuracy as the full model, no evaluation needed
    const r = sizes[k] === 0 ? full : await evaluateMasked(net, split, tasks, sampleShape, masksWithout(partition, new Set([k]), base), opts);
    rows.push({
      subnetwork: k,
      units: sizes[k],
      accuracyDrop: full.accuracy.map((a, t) => 100 * (a - r.accuracy[t])),
      classDrop: full.classAccuracy.map((row, t) => row.map((a, c) => 100 * (a - r.classAccuracy[t][c]))),
      accuracy: r.accuracy.slice(),
    });
  }
  return { full, rows };
}

/**
 * How task-specific the subnetworks are, in [0, 1]; the score used to compare partitions. With drops
 * d_tk clipped at 0: two tasks give Σ_k |d_1k − d_2k| / Σ_k (d_1k + d_2k); T tasks give
 * Σ_k (max_t d_tk − mean of the other tasks' d_tk) / Σ_k Σ_t d_tk (the same for T = 2).
 * 0 when nothing drops, and for a single task (nothing to specialise between).
 */
export function specialization(rows: ReadonlyArray<Pick<AblationRow, 'accuracyDrop'>>): number {
  let num = 0;
  let den = 0;
  for (const row of rows) {
    const d = row.accuracyDrop.map(clip);
    if (d.length < 2) return 0;
    const top = argMax(d);
    const others = d.reduce((a, b) => a + b, 0) - d[top];
    num += d[top] - others / (d.length - 1);
    den += d.reduce((a, b) => a + b, 0);
  }
  return den > 0 ? Math.min(1, Math.max(0, num / den)) : 0;
}

export type { SpecializedSubnetwork } from '../../../protocol/reports';

/** The subnetwork whose removal hurts one task most relative to the others; undefined for no rows. */
export function bestSpecialized(rows: ReadonlyArray<Pick<AblationRow, 'subnetwork' | 'accuracyDrop'>>): SpecializedSubnetwork | undefined {
  let best: SpecializedSubnetwork | undefined;
  for (const row of rows) {
    const d = row.accuracyDrop.map(clip);
    const task = argMax(d);
    const other = d.reduce((m, v, t) => (t === task ? m : Math.max(m, v)), 0);
    const margin = d[task] - other;
    if (best === undefined || margin > best.margin) best = { subnetwork: row.subnetwork, task, margin, drops: row.accuracyDrop.slice() };
  }
  return best;
}

/**
 * `chosen` (a subnetwork and the task it serves, chosen on another split) with the drops and margin of `rows`: the
 * report of a choice made elsewhere (issue 16). Its margin may be smaller here, even negative.
 */
export function specializedIn(chosen: Pick<SpecializedSubnetwork, 'subnetwork' | 'task'>, rows: ReadonlyArray<Pick<AblationRow, 'subnetwork' | 'accuracyDrop'>>): SpecializedSubnetwork | undefined {
  const row = rows.find((r) => r.subnetwork === chosen.subnetwork);
  if (!row) return undefined;
  const d = row.accuracyDrop.map(clip);
  const other = d.reduce((m, v, t) => (t === chosen.task ? m : Math.max(m, v)), 0);
  return { subnetwork: chosen.subnetwork, task: chosen.task, margin: (d[chosen.task] ?? 0) - other, drops: row.accuracyDrop.slice() };
}

/** Negative drops (removal helped) and NaN count as no drop. */
function clip(d: number): number {
  return d > 0 ? d : 0;
}

function argMax(v: number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
