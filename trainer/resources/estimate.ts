/**
 * What training a model will allocate, estimated from the resolved model file before anything is allocated:
 * parameters, gradients and optimizer state (4 bytes a value), activations per batch (every layer's output and
 * what it keeps inside, ×2 for the backward pass, or an evaluation batch of 512 forward), the dataset held in
 * memory, and the largest single tensor, checked against the backend's limits (backend/backends.ts) and this
 * machine's memory. What cannot be allocated is an error positioned at the layer (or `data:` key) to shrink; what
 * takes more than half the memory is a warning. Pure: the caller supplies the limits and the memory size.
 */
import type { BackendId } from '../../protocol/trainer';
import type { LayerNode, ModelFile, SourceRange, SpecDiagnostic } from '../../spec/types';
import { walkLayers } from '../../spec/walk';
import type { BackendLimits } from '../backend/backends';
import { syntheticSize } from '../data/synthetic';
import { count, sizesOf } from './layer-sizes';

const BYTES = 4;
/** The loop evaluates in batches of up to 512 samples (engine/loop.ts `evaluate`). */
const EVAL_BATCH = 512;
/** Above this fraction of a memory, a warning. */
const WARN_FRACTION = 0.5;
/** Optimizer slots per parameter. */
const SLOTS: Record<ModelFile['train']['optimizer']['type'], number> = { sgd: 0, momentum: 1, adam: 2, adamw: 2 };
/** Samples and values per sample of the sources whose size is known without reading them (train + test). */
const KNOWN_SOURCES: Partial<Record<ModelFile['data']['source'], { samples: number; values: number; labels: number }>> = {
  'fashion-mnist': { samples: 70_000, values: 784, labels: 1 },
  mnist: { samples: 70_000, values: 784, labels: 1 },
};

export interface EstimateOptions {
  backend: BackendId;
  limits: BackendLimits;
  /** This machine's memory in bytes (os.totalmem()). */
  totalMemory: number;
  /** Where `data.<key>` is written, for messages about the data; default: the top of the file. */
  dataRange?: (key: string) => SourceRange | undefined;
}

export interface ResourceEstimate {
  backend: BackendId;
  params: number;
  /** The training batch (train.batchSize, capped at the training samples when they are known). */
  batch: number;
  optimizer: string;
  optimizerSlots: number;
  bytes: {
    params: number;
    gradients: number;
    optimizer: number;
    activations: number;
    /** The dataset in memory; undefined when it is read from files (not counted). */
    data?: number;
  };
  /** Parameters, gradients, optimizer state and activations: what the backend holds during a step. */
  stepBytes: number;
  /** What lives in this machine's memory: the data, plus the step when the backend computes in host memory. */
  hostBytes: number;
  largest: { what: string; values: number; bytes: number };
  /** Errors (cannot be allocated) and warnings (may not fit), positioned. */
  problems: SpecDiagnostic[];
}

interface Candidate { what: string; values: number; node?: LayerNode; kind: 'weights' | 'activations' | 'data' }

export function estimateResources(model: ModelFile, o: EstimateOptions): ResourceEstimate {
  const nodes = [...walkLayers(model.layers)];
  const data = dataSize(model);
  const batch = Math.max(1, Math.min(model.train.batchSize, data?.trainSamples ?? Infinity));
  const evalBatch = Math.min(EVAL_BATCH, data?.samples ?? EVAL_BATCH);
  const slots = SLOTS[model.train.optimizer.type] ?? 2;
  const perSample = (n: LayerNode) => prod(n.outputShape) + sizesOf(n).inner;
  const activationValues = prod(model.inputShape) + nodes.reduce((s, n) => s + perSample(n), 0);
  const bytes = {
    params: model.params * BYTES,
    gradients: model.params * BYTES,
    optimizer: model.params * BYTES * slots,
    activations: activationValues * BYTES * Math.max(2 * batch, evalBatch),
    ...(data ? { data: data.bytes } : {}),
  };
  const activationBatch = 2 * batch >= evalBatch ? `batch ${batch}, forward and backward` : `evaluation batches of ${evalBatch}, forward`;
  const stepBytes = bytes.params + bytes.gradients + bytes.optimizer + bytes.activations;
  const hostBytes = (bytes.data ?? 0) + (o.limits.memory === 'host' ? stepBytes : 0);

  const top = (score: (n: LayerNode) => number) => nodes.reduce<LayerNode | undefined>((a, n) => (a === undefined || score(n) > score(a) ? n : a), undefined);
  const biggestParams = top((n) => (n.type === 'residual' ? 0 : n.params));
  const biggestActivations = top(perSample);
  const fileStart: SourceRange = { file: model.file, line: 1, col: 1, endLine: 1, endCol: 1 };
  const dataAt = (...keys: string[]) => keys.map((k) => o.dataRange?.(k)).find((r) => r !== undefined) ?? fileStart;

  // the largest single tensors: each layer's biggest weight and output batch, and the dataset's array
  const candidates: Candidate[] = [];
  for (const n of nodes) {
    candidates.push({ what: `layer '${n.id}' weights`, values: sizesOf(n).largestWeight, node: n, kind: 'weights' });
    candidates.push({ what: `layer '${n.id}' output`, values: prod(n.outputShape) * Math.max(batch, evalBatch), node: n, kind: 'activations' });
  }
  if (data) candidates.push({ what: 'the dataset', values: data.samples * data.values, kind: 'data' });
  candidates.sort((a, b) => b.values - a.values);
  const largest = candidates[0] ?? { what: 'nothing', values: 0, kind: 'weights' as const };

  const problems: SpecDiagnostic[] = [];
  const L = o.limits;
  const tooBig = candidates.filter((c) => c.values > L.maxTensorValues || (c.kind !== 'data' && c.values * BYTES > L.maxTensorBytes));
  for (const c of tooBig.slice(0, 3)) {
    const overValues = c.values > L.maxTensorValues;
    const limit = !overValues
      ? `one tensor on the ${o.backend} backend takes at most ${formatBytes(L.maxTensorBytes)} (${L.tensorBytesWhy})`
      : c.kind === 'data'
        ? `one JavaScript typed array holds at most ${count(L.maxTensorValues)} values`
        : `one tensor holds at most ${count(L.maxTensorValues)} values (a JavaScript typed array, which checkpoints read weights into)`;
    const severity = overValues || L.measured ? 'error' : 'warning';
    const size = `${count(c.values)} values (${formatBytes(c.values * BYTES)})`;
    if (c.kind === 'data') {
      problems.push(at(dataAt('samples', 'features', 'source'), severity, `the dataset is one array of ${size}: ${count(data!.samples)} samples of ${count(data!.values)} values; ${limit}; lower data.samples (or data.features)`));
    } else if (c.kind === 'weights') {
      const n = c.node!;
      const fromInput = last(n.inputShape) ** 2 > c.values;
      const fix = fromInput ? `its input is ${count(last(n.inputShape))} wide: shrink the layers before '${n.id}'` : lower(n);
      problems.push(at(n.range, severity, `layer '${n.id}' (${describeNode(n)}) has a weight tensor of ${size}; ${limit}; ${fix}`));
    } else {
      problems.push(at(c.node!.range, severity, `layer '${c.node!.id}' (${describeNode(c.node!)}) outputs ${count(prod(c.node!.outputShape))} values per sample, ${size} for a batch of ${Math.max(batch, evalBatch)}${batch < evalBatch ? ' (evaluation)' : ''}; ${limit}; ${lower(c.node!, true)}`));
    }
  }

  // totals: the backend's own memory (wasm), this machine's memory, a GPU of unknown size
  const optName = model.train.optimizer.type;
  const breakdown = `parameters ${formatBytes(bytes.params)} (${count(model.params)} at 4 bytes), gradients ${formatBytes(bytes.gradients)}` +
    `${slots > 0 ? `, ${optName} state ${formatBytes(bytes.optimizer)} (${slots} slot${slots > 1 ? 's' : ''})` : ''}` +
    `, activations ≈ ${formatBytes(bytes.activations)} (${activationBatch}; an estimate)`;
  const paramsDominate = bytes.params + bytes.gradients + bytes.optimizer >= bytes.activations;
  const blame = paramsDominate ? biggestParams : biggestActivations;
  const shrink = blame ? `; ${lower(blame, !paramsDominate)}` : '';
  const stepAt = blame?.range ?? fileStart;
  if (L.maxResidentBytes !== undefined && stepBytes > WARN_FRACTION * L.maxResidentBytes) {
    const over = stepBytes > L.maxResidentBytes;
    problems.push(at(stepAt, over ? 'error' : 'warning',
      `training needs about ${formatBytes(stepBytes)} on the ${o.backend} backend (${breakdown}); its memory holds at most ${formatBytes(L.maxResidentBytes)} (WebAssembly 32-bit memory)` +
      `${over ? '' : ', and tfjs needs room for temporaries'}${shrink}, or train on cpu or tensorflow`));
  }
  if (hostBytes > WARN_FRACTION * o.totalMemory) {
    const over = hostBytes > o.totalMemory;
    const dataDominates = (bytes.data ?? 0) > (o.limits.memory === 'host' ? stepBytes : 0);
    const parts = `${o.limits.memory === 'host' ? breakdown : ''}${bytes.data !== undefined ? `${o.limits.memory === 'host' ? ', ' : ''}data ${formatBytes(bytes.data)} (${count(data!.samples)} samples, with the copies the split makes)` : ''}`;
    problems.push(at(dataDominates ? dataAt('samples', 'source') : stepAt, over ? 'error' : 'warning',
      `training needs about ${formatBytes(hostBytes)} of memory (${parts}); this machine has ${formatBytes(o.totalMemory)}${over ? '' : ', and this is more than half of it'}` +
      `${dataDominates ? '; lower data.samples' : shrink}`));
  }
  if (L.memory === 'gpu' && stepBytes > WARN_FRACTION * o.totalMemory) {
    problems.push(at(stepAt, 'warning',
      `training needs about ${formatBytes(stepBytes)} of GPU memory (${breakdown}); WebGPU does not tell how much the GPU has, so this is not checked: if it runs out${shrink}`));
  }
  return {
    backend: o.backend, params: model.params, batch, optimizer: optName, optimizerSlots: slots, bytes, stepBytes, hostBytes,
    largest: { what: largest.what, values: largest.values, bytes: largest.values * BYTES }, problems,
  };
}

/** One line for `dynaxx check`: parameters and memory per step on the backend. */
export function summarize(e: ResourceEstimate): string {
  const state = e.bytes.params + e.bytes.gradients + e.bytes.optimizer;
  const data = e.bytes.data === undefined ? 'data read from files (not counted)' : `data ${formatBytes(e.bytes.data)} in memory`;
  return `resources on ${e.backend}: ${count(e.params)} parameters; about ${formatBytes(e.stepBytes)} per training step ` +
    `(${e.optimizerSlots > 0 ? `weights, gradients and ${e.optimizer} state` : 'weights and gradients'} ${formatBytes(state)}, activations ≈ ${formatBytes(e.bytes.activations)} at batch ${e.batch} or an evaluation batch; an estimate); ` +
    `largest single array: ${e.largest.what}, ${formatBytes(e.largest.bytes)}; ${data}`;
}

/** Bytes in binary units with 3 significant digits: `4 GiB`, `3.73 TiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} bytes`;
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  const v = i === 0 ? String(Math.round(n)) : String(Number(n.toPrecision(3)));
  return n >= 1e6 ? `${count(n)} ${units[i]}` : `${v} ${units[i]}`;
}

/** The dataset this model's data section holds in memory, when its size is known without reading files. */
function dataSize(model: ModelFile): { samples: number; values: number; bytes: number; trainSamples: number } | undefined {
  const d = model.data;
  const known = d.source === 'synthetic' ? syntheticSize({ kind: d.kind ?? 'blobs', samples: d.samples, features: d.features, parts: d.parts }) : KNOWN_SOURCES[d.source];
  if (!known) return undefined;
  const pool = d.limit > 0 ? Math.min(d.limit, known.samples) : known.samples;
  const trainSamples = Math.max(1, pool - Math.round(pool * d.validation));
  // the generated (or read) arrays, then the split's copies of the kept samples
  const bytes = (known.samples + pool) * (known.values + known.labels) * BYTES;
  return { samples: known.samples, values: known.values, bytes, trainSamples };
}

function describeNode(n: LayerNode): string {
  const knobs = sizesOf(n).knobs;
  return knobs.length > 0 ? `${n.type}, ${knobs.join(', ')}` : n.type;
}

/** What to lower to shrink a layer: its own settings, or (for a layer sized by its input) the layers before it. */
function lower(n: LayerNode, batch = false): string {
  const knobs = sizesOf(n).knobs.map((k) => k.split(':')[0]);
  const own = knobs.length > 0 ? `shrink '${n.id}' (lower ${knobs.join(' or ')})` : `shrink the layers before '${n.id}'`;
  return batch ? `${own} or lower train.batchSize` : own;
}

function at(range: SourceRange, severity: SpecDiagnostic['severity'], message: string): SpecDiagnostic {
  return { range, severity, code: 'resources', message };
}

function last(shape: number[]): number {
  return shape[shape.length - 1] ?? 1;
}

function prod(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
