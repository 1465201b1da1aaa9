/**
 * Monitors by id, as tfjs-layers' string-id registries: `getMonitor('grad-norm')` makes a fresh instance
 * (monitors keep per-run state). The stability monitors of seed 001 (update-norm, spectral-norm,
 * loss-spike) register here too; `DEFAULT_MONITORS` are on whenever `train.statsEvery > 0`. Registering a
 * monitor also makes `stabilize.monitors` accept its id (spec/stabilize-spec.ts `MONITOR_IDS`); `BUILT_INS`
 * must match the spec's built-in ids exactly, or this does not compile (the language server knows those).
 */
import { MONITOR_IDS, type BuiltInMonitor } from '../../spec/stabilize-spec';
import { UserError } from '../errors';
import { ActivationVarianceMonitor } from './activation-variance';
import { GradNormMonitor } from './grad-norm';
import { LossSpikeMonitor } from './loss-spike';
import type { Monitor } from './monitor';
import { NonFiniteMonitor } from './nonfinite';
import { SpectralNormMonitor } from './spectral-norm';
import { UpdateNormMonitor } from './update-norm';

const BUILT_INS = {
  [NonFiniteMonitor.id]: () => new NonFiniteMonitor(),
  [GradNormMonitor.id]: () => new GradNormMonitor(),
  [ActivationVarianceMonitor.id]: () => new ActivationVarianceMonitor(),
  [UpdateNormMonitor.id]: () => new UpdateNormMonitor(),
  [SpectralNormMonitor.id]: () => new SpectralNormMonitor(),
  [LossSpikeMonitor.id]: () => new LossSpikeMonitor(),
} satisfies Record<BuiltInMonitor, () => Monitor>;

const registry = new Map<string, () => Monitor>();

/** Makes a monitor selectable by `id`, in the trainer (`--monitors`, run requests) and in `stabilize.monitors`. */
export function registerMonitor(id: string, create: () => Monitor): void {
  MONITOR_IDS.register(id);
  registry.set(id, create);
}

for (const [id, create] of Object.entries(BUILT_INS)) registerMonitor(id, create);

export const DEFAULT_MONITORS: readonly string[] = [NonFiniteMonitor.id, GradNormMonitor.id, ActivationVarianceMonitor.id];

export function monitorIds(): string[] {
  return [...registry.keys()];
}

/** A monitor from its id (a fresh instance), or the instance itself. */
export function getMonitor(identifier: string | Monitor): Monitor {
  if (typeof identifier !== 'string') return identifier;
  const create = registry.get(identifier);
  if (!create) throw new UserError(`unknown monitor '${identifier}'; known monitors: ${monitorIds().join(', ')}`);
  return create();
}
