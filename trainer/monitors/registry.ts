/**
 * Monitors by id, as tfjs-layers' string-id registries: `getMonitor('grad-norm')` makes a fresh instance
 * (monitors keep per-run state). The stability monitors of seed 001 (update-norm, spectral-norm,
 * loss-spike) register here too; `DEFAULT_MONITORS` are on whenever `train.statsEvery > 0`.
 */
import { UserError } from '../errors';
import { ActivationVarianceMonitor } from './activation-variance';
import { GradNormMonitor } from './grad-norm';
import { LossSpikeMonitor } from './loss-spike';
import type { Monitor } from './monitor';
import { NonFiniteMonitor } from './nonfinite';
import { SpectralNormMonitor } from './spectral-norm';
import { UpdateNormMonitor } from './update-norm';

const registry = new Map<string, () => Monitor>();

export function registerMonitor(id: string, create: () => Monitor): void {
  registry.set(id, create);
}

registerMonitor(NonFiniteMonitor.id, () => new NonFiniteMonitor());
registerMonitor(GradNormMonitor.id, () => new GradNormMonitor());
registerMonitor(ActivationVarianceMonitor.id, () => new ActivationVarianceMonitor());
registerMonitor(UpdateNormMonitor.id, () => new UpdateNormMonitor());
registerMonitor(SpectralNormMonitor.id, () => new SpectralNormMonitor());
registerMonitor(LossSpikeMonitor.id, () => new LossSpikeMonitor());

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
