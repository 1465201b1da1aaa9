/** The `train:` section: loop length, optimizer, LR schedule, clipping, seed and backend. */
import { readFields, type FieldTable } from './fields';
import type { Reporter } from './report';
import { describe, entry, type SMap, type SNode } from './source';
import type { LrScheduleSpec, OptimizerSpec, TrainSpec } from './types';

export const TRAIN_FIELDS: FieldTable = {
  epochs: { kind: 'int', min: 1, default: 1, doc: 'Passes over the training set.' },
  steps: { kind: 'int', min: 0, default: 0, doc: 'Optimizer steps to run; when > 0 it overrides `epochs`.' },
  batchSize: { kind: 'int', min: 1, default: 64, doc: 'Samples per optimizer step.' },
  clipNorm: { kind: 'number', min: 0, default: 0, doc: 'Clip gradients to this global norm; 0 disables clipping.' },
  seed: { kind: 'int', default: 42, doc: 'Seed for initialisation, shuffling and synthetic data.' },
  backend: { kind: 'enum', values: ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'], default: 'auto', doc: 'tfjs backend; `auto` picks the fastest available.' },
  evalEvery: { kind: 'int', min: 0, default: 0, doc: 'Evaluate on the validation split every N steps; 0 = at each epoch end.' },
  checkpointEvery: { kind: 'int', min: 0, default: 0, doc: 'Write a checkpoint every N steps; 0 = at each epoch end.' },
  statsEvery: { kind: 'int', min: 0, default: 0, doc: 'Every N steps, write per-layer statistics (gradient, update and weight norms, activation mean and variance) to the run\'s layer-stats.jsonl; 0 = never.' },
};

export const OPTIMIZER_FIELDS: FieldTable = {
  type: { kind: 'enum', values: ['sgd', 'momentum', 'adam', 'adamw'], default: 'adam', doc: 'The optimizer.' },
  lr: { kind: 'number', min: 0, minExclusive: true, default: 1e-3, doc: 'Peak learning rate.' },
  momentum: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.9, doc: 'momentum: momentum coefficient.' },
  beta1: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.9, doc: 'adam/adamw: first-moment decay.' },
  beta2: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: 0.999, doc: 'adam/adamw: second-moment decay.' },
  epsilon: { kind: 'number', min: 0, minExclusive: true, default: 1e-7, doc: 'adam/adamw: added to the denominator.' },
  weightDecay: { kind: 'number', min: 0, doc: 'Decoupled weight decay (default 0.01 for adamw, 0 otherwise).' },
};

export const SCHEDULE_FIELDS: FieldTable = {
  type: { kind: 'enum', values: ['constant', 'warmup', 'cosine'], default: 'constant', doc: '`constant`, `warmup` (linear warm-up then constant) or `cosine` (warm-up then cosine decay).' },
  warmupSteps: { kind: 'int', min: 0, default: 0, doc: 'Steps of linear warm-up from 0 to the peak LR.' },
  minFactor: { kind: 'number', min: 0, max: 1, default: 0, doc: 'cosine: final LR as a fraction of the peak.' },
};

export const OPTIMIZER_DOC = 'The optimizer: a name (`adam`) or a mapping with `type` and hyper-parameters.';
export const SCHEDULE_DOC = 'The learning-rate schedule: a name (`cosine`) or a mapping with `type` and its settings.';

export function readTrain(node: SNode | undefined, r: Reporter): TrainSpec | undefined {
  const empty: SMap = { kind: 'map', entries: [], range: node?.range ?? { file: '', line: 1, col: 1, endLine: 1, endCol: 1 } };
  if (node !== undefined && node.kind !== 'map') {
    r.error(node.range, 'type', `'train' must be a mapping (e.g. epochs: 10), got ${describe(node)}`);
    return undefined;
  }
  const map = node ?? empty;
  const raw = readFields(map, TRAIN_FIELDS, r, "'train'", ['optimizer', 'schedule']);
  const optimizer = readSub(entry(map, 'optimizer')?.value, OPTIMIZER_FIELDS, r, "'train.optimizer'");
  const schedule = readSub(entry(map, 'schedule')?.value, SCHEDULE_FIELDS, r, "'train.schedule'");
  if (!raw || !optimizer || !schedule) return undefined;
  optimizer.weightDecay ??= optimizer.type === 'adamw' ? 0.01 : 0;
  return { ...(raw as Omit<TrainSpec, 'optimizer' | 'schedule'>), optimizer: optimizer as unknown as OptimizerSpec, schedule: schedule as unknown as LrScheduleSpec };
}

/** A sub-mapping, or a bare name standing for `{ type: name }`. */
function readSub(node: SNode | undefined, table: FieldTable, r: Reporter, where: string): Record<string, unknown> | undefined {
  const empty: SMap = { kind: 'map', entries: [], range: node?.range ?? { file: '', line: 1, col: 1, endLine: 1, endCol: 1 } };
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) return readFields(empty, table, r, where);
  if (node.kind === 'scalar') {
    const asMap: SMap = { kind: 'map', range: node.range, entries: [{ key: 'type', keyRange: node.range, value: node, range: node.range }] };
    return readFields(asMap, table, r, where);
  }
  if (node.kind !== 'map') {
    r.error(node.range, 'type', `${where} must be a name or a mapping, got ${describe(node)}`);
    return undefined;
  }
  return readFields(node, table, r, where);
}
