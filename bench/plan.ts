/** What each backend measures: which models, batch sizes and step counts (defaults, then options). */
import type { BackendId } from '../protocol/trainer';
import type { BenchOptions } from './options';
import { REF_MODELS, refModel, type RefModel } from './models';

export interface Case {
  ref: RefModel;
  batch: number;
}

/** Timed and warm-up steps per backend; the plain-JS cpu backend is ~30× slower than wasm. */
const STEPS: Record<BackendId, { steps: number; warmup: number }> = {
  webgpu: { steps: 50, warmup: 5 },
  tensorflow: { steps: 50, warmup: 5 },
  wasm: { steps: 20, warmup: 5 },
  cpu: { steps: 3, warmup: 1 },
};

export function stepsFor(backend: BackendId, o: BenchOptions): { steps: number; warmup: number } {
  const d = o.quick ? { steps: 3, warmup: 1 } : STEPS[backend];
  return { steps: o.steps ?? d.steps, warmup: o.warmup ?? d.warmup };
}

export function planCases(backend: BackendId, o: BenchOptions): Case[] {
  const refs = o.models ? o.models.map(refModel) : REF_MODELS.filter((r) => !r.skipOn?.[backend]);
  const smallestOnly = o.quick || backend === 'cpu';
  return refs.flatMap((ref) => (o.batch ?? (smallestOnly ? ref.batches.slice(0, 1) : ref.batches)).map((batch) => ({ ref, batch })));
}
