/**
 * The reference models of the benchmark, as model-file text: the tfjs side parses them with
 * parseModelText (so FLOP counts come from spec/), and bench/torch_ref.py defines the same layers.
 * Change one side, change the other.
 */
import type { BackendId } from '../protocol/trainer';
import { parseModelText, formatDiagnostic, type ModelFile } from '../spec';

export interface RefModel {
  name: string;
  /** The `model:` section (input and layers), YAML. */
  body: string;
  /** Default batch sizes. */
  batches: number[];
  /** Backends that skip this model unless it is asked for by name (--models), and why. */
  skipOn?: Partial<Record<BackendId, string>>;
}

const dense = (units: number, activation = 'relu') => `    - { type: dense, units: ${units}, activation: ${activation} }`;

export const REF_MODELS: RefModel[] = [
  {
    name: 'mlp',
    body: ['  input: [784]', '  layers:', dense(1024), dense(1024), dense(10, 'linear')].join('\n'),
    batches: [64, 256, 1024],
  },
  {
    name: 'mlp-big',
    body: ['  input: [1024]', '  layers:', dense(4096), dense(4096), dense(10, 'linear')].join('\n'),
    batches: [256, 1024, 4096],
    skipOn: { wasm: 'a GPU-sized model', cpu: 'a GPU-sized model' },
  },
  {
    name: 'cnn',
    body: [
      '  input: [28, 28, 1]',
      '  layers:',
      '    - { type: conv2d, filters: 32, kernelSize: 3, padding: same, activation: relu }',
      '    - { type: maxPool2d, poolSize: 2 }',
      '    - { type: conv2d, filters: 64, kernelSize: 3, padding: same, activation: relu }',
      '    - { type: maxPool2d, poolSize: 2 }',
      '    - { type: flatten }',
      dense(128),
      dense(10, 'linear'),
    ].join('\n'),
    batches: [64, 256],
    skipOn: { cpu: 'plain-JS convolutions train at ~1.5 samples/s (a 64-sample step takes ~40 s)' },
  },
];

export function refModel(name: string): RefModel {
  const m = REF_MODELS.find((r) => r.name === name);
  if (!m) throw new Error(`unknown reference model '${name}': use one of ${REF_MODELS.map((r) => r.name).join(', ')}`);
  return m;
}

/** The full model file: Adam lr 1e-3 (ε 1e-8 as in PyTorch), no clipping, no eval or checkpoint during `steps`. */
export function modelText(ref: RefModel, batch: number, steps: number): string {
  return [
    `name: bench-${ref.name}`,
    'data: { source: synthetic, kind: blobs, classes: 10, validation: 0 }',
    'model:',
    ref.body,
    'train:',
    `  steps: ${steps}`,
    `  batchSize: ${batch}`,
    '  optimizer: { type: adam, lr: 0.001, epsilon: 1.0e-8 }',
    '  evalEvery: 1000000000',
    '  checkpointEvery: 1000000000',
    '  seed: 1',
    '',
  ].join('\n');
}

export function buildModel(ref: RefModel, batch: number, steps: number): ModelFile {
  const file = `bench/${ref.name}.dynaxx.yaml`;
  const { model, diagnostics } = parseModelText(modelText(ref, batch, steps), file);
  if (!model) throw new Error(`reference model ${ref.name} does not parse:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  return model;
}

/** Training FLOPs per sample: forward + backward ≈ 3 × forward (backward = grads of inputs and of weights). */
export function trainFlopsPerSample(model: ModelFile): number {
  return 3 * model.flops;
}
