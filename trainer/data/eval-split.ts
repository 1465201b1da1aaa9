/**
 * Which split a finished model is measured on, and which one choices are made on (issue 16, clean splits).
 *
 * `evaluationSplit`: where a model is simply measured (the test split when the data has one, else validation).
 *
 * `cleanSplits`: for anything that chooses (the routed expert, a routing threshold, a best point, a tuned value),
 * the split it chooses on (`select`) and the split the chosen setting is reported on (`report`), disjoint:
 * - test and validation: choose on validation, report on test;
 * - test, no validation (`data.validation: 0`): choose on a sample of the training data, report on test;
 * - validation, no test: choose on one half of validation, report on the other half;
 * - neither: choose and report on two disjoint samples of the training data (nothing is held out: `note` says so).
 * The report split is guarded: reading it inside `selecting(...)` throws, so a choice cannot look at it.
 *
 * `selectionBeside`: for an analysis that reports every number on `evaluationSplit` and makes one choice (the most
 * specialised subnetwork), a split to choose on that is not that one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { deriveSeed, Rng } from './rng';
import type { Dataset, Split } from './types';

export function evaluationSplit(dataset: Dataset): { name: 'test' | 'validation'; split: Split } {
  return dataset.test && dataset.test.n > 0 ? { name: 'test', split: dataset.test } : { name: 'validation', split: dataset.validation };
}

/** A split with the name reports give it (`test`, `validation`, `validation (selection half)`, …). */
export interface NamedSplit { name: string; split: Split }

export interface CleanSplits {
  /** Where choices are made. */
  select: NamedSplit;
  /** Where the chosen setting is reported; never read by a choice (guarded, see `reportOnly`). */
  report: NamedSplit;
  /** Set when the data lacks a validation or test split: what was done instead, for the report. */
  note?: string;
}

/** Training samples a choice reads at most when the data has no validation split. */
export const TRAIN_SAMPLE = 4096;

/** The selection and report splits of `dataset` (see the file's comment); `seed` draws halves and samples. */
export function cleanSplits(dataset: Dataset, seed: number): CleanSplits {
  const { train, validation, test } = dataset;
  if (test && test.n > 0) {
    const report = { name: 'test', split: reportOnly(test, 'test') };
    if (validation.n > 0) return { select: { name: 'validation', split: validation }, report };
    const sample = take(train, shuffled(train.n, seed, 'select').subarray(0, Math.min(train.n, TRAIN_SAMPLE)));
    return {
      select: { name: 'training sample', split: sample },
      report,
      note: `the data has no validation split (data.validation: 0): choices were made on ${sample.n} training samples, which the model was trained on; the test numbers are held out`,
    };
  }
  if (validation.n >= 2) {
    const order = shuffled(validation.n, seed, 'halves');
    const half = Math.floor(validation.n / 2);
    const select = take(validation, order.subarray(0, half));
    const report = take(validation, order.subarray(half));
    return {
      select: { name: 'validation (selection half)', split: select },
      report: { name: 'validation (report half)', split: reportOnly(report, 'validation (report half)') },
      note: `the data has no test split: the validation split was cut in two, choices made on ${select.n} samples and reported on the other ${report.n}`,
    };
  }
  const order = shuffled(train.n, seed, 'halves');
  const half = Math.min(Math.floor(train.n / 2), TRAIN_SAMPLE);
  const select = take(train, order.subarray(0, half));
  const report = take(train, order.subarray(half, 2 * half));
  return {
    select: { name: 'training sample (selection)', split: select },
    report: { name: 'training sample (report)', split: reportOnly(report, 'training sample (report)') },
    note: `the data has neither a validation nor a test split: choices were made on ${select.n} training samples and reported on ${report.n} others, all of them trained on (nothing is held out)`,
  };
}

/**
 * Where to choose when the numbers stay on `evaluationSplit(dataset)`: validation when that is test, else (the
 * numbers are on validation, or there is no validation split) up to `TRAIN_SAMPLE` training samples.
 */
export function selectionBeside(dataset: Dataset, seed: number): NamedSplit {
  if (evaluationSplit(dataset).name === 'test' && dataset.validation.n > 0) return { name: 'validation', split: dataset.validation };
  const { train } = dataset;
  return { name: 'training sample', split: take(train, shuffled(train.n, seed, 'select').subarray(0, Math.min(train.n, TRAIN_SAMPLE))) };
}

const selection = new AsyncLocalStorage<string>();

/**
 * Runs `choose` as the selection `what` (e.g. 'the routing threshold'): while it runs, awaits included, reading a
 * split marked `reportOnly` throws. Returns what `choose` returns.
 */
export function selecting<T>(what: string, choose: () => T): T {
  return selection.run(what, choose);
}

/** The selection running in this async context, if any. */
export function currentSelection(): string | undefined {
  return selection.getStore();
}

/** `split`, whose inputs and labels throw when read inside `selecting(...)`: for the split choices are reported on. */
export function reportOnly(split: Split, name: string): Split {
  const guard = <T>(value: T): T => {
    const what = selection.getStore();
    if (what !== undefined) throw new Error(`${what} read the ${name} split while choosing: choices are made on the selection split only, and reported on ${name}`);
    return value;
  };
  return Object.defineProperties({ n: split.n } as Split, {
    x: { get: () => guard(split.x), enumerable: true },
    y: { get: () => guard(split.y), enumerable: true },
  });
}

function shuffled(n: number, seed: number, salt: string): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  new Rng(deriveSeed(seed, 'clean-splits', salt)).shuffle(idx);
  return idx;
}

/** The samples `indices` of `split` (kept in their original order). */
function take(split: Split, indices: Uint32Array): Split {
  const chosen = Uint32Array.from(indices).sort();
  const xw = split.n > 0 ? split.x.length / split.n : 0;
  const yw = split.n > 0 ? split.y.length / split.n : 0;
  const x = new Float32Array(chosen.length * xw);
  const y = new Int32Array(chosen.length * yw);
  chosen.forEach((src, dst) => {
    x.set(split.x.subarray(src * xw, (src + 1) * xw), dst * xw);
    y.set(split.y.subarray(src * yw, (src + 1) * yw), dst * yw);
  });
  return { x, y, n: chosen.length };
}
