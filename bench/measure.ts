/**
 * One measurement on the backend this process runs on: a reference model at one batch size, trained
 * by the real TrainingLoop on random in-memory data. Warm-up steps run first (kernels compiled, memory
 * pools filled); the timed run continues from their snapshot with one host read, at its last step.
 */
import { TrainingLoop } from '../trainer/engine/loop';
import type { Dataset } from '../trainer/data/types';
import type { ModelFile } from '../spec';
import { buildModel, trainFlopsPerSample, type RefModel } from './models';

/** One timed case, ours or the peer's. */
export interface Timing {
  model: string;
  batch: number;
  warmup: number;
  steps: number;
  seconds: number;
  samplesPerSec: number;
}

export interface CaseResult extends Timing {
  /** Forward FLOPs per sample from spec/ (a multiply-add counts 2). */
  forwardFlops: number;
  /** 3 × forward FLOPs × samples/s. */
  tflops: number;
  params: number;
}

/** `n` random samples in [-1, 1) with labels in [0, 10); the loop reshuffles them each epoch. */
export function randomDataset(shape: number[], n: number, seed = 1): Dataset {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < x.length; i++) x[i] = 2 * next() - 1;
  for (let i = 0; i < n; i++) y[i] = Math.floor(next() * 10);
  const empty = { x: new Float32Array(0), y: new Int32Array(0), n: 0 };
  return { name: 'random', sampleShape: shape, tasks: [{ name: 'label', classes: 10 }], train: { x, y, n }, validation: empty };
}

function withSteps(model: ModelFile, steps: number): ModelFile {
  return { ...model, train: { ...model.train, steps } };
}

export async function measureCase(ref: RefModel, batch: number, steps: number, warmup: number): Promise<CaseResult> {
  const model = buildModel(ref, batch, warmup);
  const dataset = randomDataset(model.inputShape, batch * 4);

  const warm = new TrainingLoop({ model, dataset, logEvery: warmup });
  const w = await warm.run({});
  if (w.status !== 'completed') throw new Error(`warm-up ${w.status}: ${w.error ?? ''}`);
  const resume = await warm.snapshot();
  warm.dispose();

  const total = warmup + steps;
  const loop = new TrainingLoop({ model: withSteps(model, total), dataset, logEvery: total, resume });
  const t0 = performance.now();
  const r = await loop.run({});
  const seconds = (performance.now() - t0) / 1000;
  loop.dispose();
  if (r.status !== 'completed') throw new Error(`timed run ${r.status}: ${r.error ?? ''}`);

  const samplesPerSec = (steps * batch) / seconds;
  return {
    model: ref.name, batch, warmup, steps, seconds, samplesPerSec,
    forwardFlops: model.flops,
    tflops: (trainFlopsPerSample(model) * samplesPerSec) / 1e12,
    params: model.params,
  };
}
