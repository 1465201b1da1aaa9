/**
 * Validation shared by the clusterers: their options, and the fields of a saved state, failing
 * loudly with the name of the offending key. Also the label (de)serialisation both use.
 */
import type { ClustererOptions } from './types';

/** Throws, naming the option, when `opts` cannot describe a clusterer. */
export function checkOptions(who: string, opts: ClustererOptions): void {
  const positiveInt = (key: 'units' | 'k' | 'window' | 'samples'): void => {
    const v = opts[key];
    if (!Number.isInteger(v) || v < 1) throw new Error(`${who}: option '${key}' must be a positive integer, got ${v}`);
  };
  positiveInt('units');
  positiveInt('k');
  positiveInt('window');
  positiveInt('samples');
  if (!Number.isFinite(opts.seed)) throw new Error(`${who}: option 'seed' must be a finite number, got ${opts.seed}`);
  if (opts.restarts !== undefined && !(Number.isInteger(opts.restarts) && opts.restarts >= 0)) throw new Error(`${who}: option 'restarts' must be a non-negative integer, got ${opts.restarts}`);
  if (opts.decay !== undefined && !(opts.decay > 0 && opts.decay < 1)) throw new Error(`${who}: option 'decay' must be in (0, 1), got ${opts.decay}`);
}

/** `state[key]`; throws naming the key when `state` is not an object or lacks it. */
export function field(who: string, state: unknown, key: string): unknown {
  if (typeof state !== 'object' || state === null) throw new Error(`${who}.load: state must be an object`);
  if (!(key in state)) throw new Error(`${who}.load: state lacks '${key}'`);
  return (state as Record<string, unknown>)[key];
}

/** `state[key]` as a finite number (equal to `expected` when given); throws naming the key otherwise. */
export function numberField(who: string, state: unknown, key: string, expected?: number): number {
  const v = field(who, state, key);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${who}.load: '${key}' must be a number`);
  if (expected !== undefined && v !== expected) throw new Error(`${who}.load: '${key}' is ${v} in the state but ${expected} in the options`);
  return v;
}

/** `state[key]` as an array of `length` entries; throws naming the key otherwise. */
export function arrayField(who: string, state: unknown, key: string, length: number): number[] {
  const v = field(who, state, key);
  if (!Array.isArray(v) || v.length !== length) throw new Error(`${who}.load: '${key}' must be an array of ${length} numbers`);
  return v as number[];
}

/** Labels as a plain array (or null before the first `cluster()`), and back. */
export function saveLabels(labels: Int32Array | undefined): number[] | null {
  return labels ? Array.from(labels) : null;
}

export function loadLabels(who: string, state: unknown, units: number, k: number): Int32Array | undefined {
  const v = field(who, state, 'labels');
  if (v === null) return undefined;
  const arr = arrayField(who, state, 'labels', units);
  const labels = Int32Array.from(arr);
  for (let u = 0; u < units; u++) if (!(labels[u] >= 0 && labels[u] < k) || labels[u] !== arr[u]) throw new Error(`${who}.load: 'labels' must hold integers in 0..${k - 1}`);
  return labels;
}
