/** Helpers the criteria share: a producer's kernel as a [rows, channels] matrix, coupled norm scales, lookups. */
import type { ChannelGroup, CriterionInput, Scores } from '../types';

/**
 * A producer's kernel as rows × channels, row-major: dense [in, out] as is; conv [kh, kw, in, out] with
 * row r = (h·kw + w)·in + i, so the input feature of row r is r mod in (`inputs`).
 */
export interface KernelView {
  data: Float32Array;
  rows: number;
  channels: number;
  /** Input features (dense: in; conv: input channels). */
  inputs: number;
}

export function kernelOf(input: CriterionInput, g: ChannelGroup, criterion: string): KernelView {
  if (g.kind === 'heads') return headKernelOf(input, g, criterion);
  const name = `${g.producer}/kernel`;
  const k = input.weights.get(name);
  if (!k) throw new Error(`${criterion}: no weight '${name}' for group '${g.id}'`);
  const channels = k.shape[k.shape.length - 1]!;
  if (channels !== g.channels) throw new Error(`${criterion}: '${name}' has ${channels} output channels, group '${g.id}' has ${g.channels}`);
  const inputs = k.shape[k.shape.length - 2]!;
  const data = k.data instanceof Float32Array ? k.data : Float32Array.from(k.data);
  return { data, rows: data.length / channels, channels, inputs };
}

/**
 * A head group (structure.ts `headGroups`) as rows × heads: head h's column holds its q, k and v kernel columns
 * [h·headDim, (h+1)·headDim), row r = (p·headDim + j)·D + i for projection p (q, k, v), so the input feature of
 * row r is r mod D (`inputs`) as for a conv kernel. Magnitude criteria thus score a head by its q/k/v weights.
 */
function headKernelOf(input: CriterionInput, g: ChannelGroup, criterion: string): KernelView {
  const dh = g.headDim!;
  const inner = g.channels * dh;
  const parts = ['queryKernel', 'keyKernel', 'valueKernel'].map((role) => {
    const name = `${g.producer}/${role}`;
    const k = input.weights.get(name);
    if (!k) throw new Error(`${criterion}: no weight '${name}' for head group '${g.id}'`);
    if (k.shape.length !== 2 || k.shape[1] !== inner) {
      throw new Error(`${criterion}: '${name}' has shape [${k.shape.join(', ')}], head group '${g.id}' has ${g.channels} heads of ${dh}`);
    }
    return k;
  });
  const d = parts[0]!.shape[0]!;
  const rows = 3 * dh * d;
  const data = new Float32Array(rows * g.channels);
  parts.forEach((k, p) => {
    for (let j = 0; j < dh; j++) {
      for (let i = 0; i < d; i++) {
        const r = (p * dh + j) * d + i;
        for (let h = 0; h < g.channels; h++) data[r * g.channels + h] = k.data[i * inner + h * dh + j]!;
      }
    }
  });
  return { data, rows, channels: g.channels, inputs: d };
}

/**
 * Product over the group's coupled norms of |γ_c| (1 where a norm has no `gamma`). A batchNorm right after the
 * producer normalises each channel, so the kernel column's scale no longer reaches the consumer: γ does.
 */
export function normScale(input: CriterionInput, g: ChannelGroup): Float32Array | undefined {
  let out: Float32Array | undefined;
  for (const norm of g.coupledNorms) {
    const gamma = input.weights.get(`${norm}/gamma`);
    if (!gamma) continue;
    out ??= new Float32Array(g.channels).fill(1);
    for (let c = 0; c < g.channels; c++) out[c]! *= Math.abs(gamma.data[c]!);
  }
  return out;
}

/** A statistic of one key, with an error that says how to get it. */
export function statOf(
  input: CriterionInput, what: 'inputNorms' | 'taylor' | 'fisher' | 'trajectory', key: string, length: number, criterion: string,
): Float32Array {
  const map = input[what];
  const how = what === 'trajectory'
    ? 'run fine-tuning with the agfTracker plugin (trainer/pruning/criteria/agf-tracker.ts) and pass `await tracker.trajectory()`'
    : `gather it with collectStats(..., needs: ['${what}']) (trainer/pruning/stats.ts)`;
  if (!map) throw new Error(`${criterion}: needs input.${what}: ${how}`);
  const v = map.get(key);
  if (!v) throw new Error(`${criterion}: input.${what} has nothing for '${key}': ${how}`);
  if (v.length !== length) throw new Error(`${criterion}: input.${what} of '${key}' has ${v.length} values, expected ${length}`);
  return v;
}

/** Scores of every group from a per-group function. */
export function perGroup(input: CriterionInput, f: (g: ChannelGroup) => Float32Array): Scores {
  return new Map(input.groups.map((g) => [g.id, f(g)]));
}
