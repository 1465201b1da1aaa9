/**
 * One measurement on the backend this process runs on: a reference model at one batch size, trained
 * by the real TrainingLoop on random in-memory data. Warm-up steps run first (kernels compiled, memory
 * pools filled); the timed run continues from their snapshot with one host read, at its last step.
 * The backend counters (kernels, host reads, GPU objects) are averaged over the timed steps.
 */
import { counters, perStep, type BackendCounters } from '../trainer/backend/counters';
// the dna and moe layers, for a reference model that has them (the engine registers only its own layers)
import '../trainer/dna/register';
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
  /** Per timed step: kernels, host reads, and on WebGPU dispatches, buffers and bind groups created, submits. */
  perStep: BackendCounters;
}

/** `n` random samples in [-1, 1) with labels in [0, 10); the loop reshuffles them each epoch. `poison`: every input NaN. */
export function randomDataset(shape: number[], n: number, seed = 1, poison = false): Dataset {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < x.length; i++) x[i] = poison ? NaN : 2 * next() - 1;
  for (let i = 0; i < n; i++) y[i] = Math.floor(next() * 10);
  const empty = { x: new Float32Array(0), y: new Int32Array(0), n: 0 };
  return { name: 'random', sampleShape: shape, tasks: [{ name: 'label', classes: 10 }], train: { x, y, n }, validation: empty };
}

function withSteps(model: ModelFile, steps: number): ModelFile {
  return { ...model, train: { ...model.train, steps } };
}

/** A run that did not complete, as the reason a user reads (a non-finite loss says so). */
function notCompleted(phase: string, r: { status: string; error?: string }): Error {
  return new Error(/not finite/.test(r.error ?? '') ? `non-finite loss in the ${phase} (${r.error})` : `${phase} ${r.status}: ${r.error ?? ''}`);
}

/** Called around the timed run only (bench/profile.ts times its kernels there). */
export interface TimedHooks {
  beforeTimed?(): void;
  afterTimed?(): void;
}

export async function measureCase(ref: RefModel, batch: number, steps: number, warmup: number, poison = false, hooks: TimedHooks = {}): Promise<CaseResult> {
  const model = buildModel(ref, batch, warmup);
  const dataset = randomDataset(model.inputShape, batch * 4, 1, poison);

  const warm = new TrainingLoop({ model, dataset, logEvery: warmup });
  const w = await warm.run({});
  if (w.status !== 'completed') throw notCompleted('warm-up', w);
  const resume = await warm.snapshot();
  warm.dispose();

  const total = warmup + steps;
  const loop = new TrainingLoop({ model: withSteps(model, total), dataset, logEvery: total, resume });
  const c0 = counters();
  hooks.beforeTimed?.();
  const t0 = performance.now();
  const r = await loop.run({});
  const seconds = (performance.now() - t0) / 1000;
  hooks.afterTimed?.();
  const c1 = counters();
  loop.dispose();
  if (r.status !== 'completed') throw notCompleted('timed run', r);

  const samplesPerSec = (steps * batch) / seconds;
  return {
    model: ref.name, batch, warmup, steps, seconds, samplesPerSec,
    forwardFlops: model.flops,
    tflops: (trainFlopsPerSample(model) * samplesPerSec) / 1e12,
    params: model.params,
    perStep: perStep(c0, c1, steps),
  };
}
