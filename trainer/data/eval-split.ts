/** The split a finished model is measured on: the held-out test split when the data has one, else validation. */
import type { Dataset, Split } from './types';

export function evaluationSplit(dataset: Dataset): { name: 'test' | 'validation'; split: Split } {
  return dataset.test && dataset.test.n > 0 ? { name: 'test', split: dataset.test } : { name: 'validation', split: dataset.validation };
}
