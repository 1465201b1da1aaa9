/**
 * The seam between the training loop and the online clustering of units: a `UnitClusterer` is fed
 * one step of per-sample gradient signals at a time and, when asked, groups the units into `k`
 * subnetworks whose signals move together. Implementations are picked by string id from `CLUSTERERS`;
 * the seam's types live in `types.ts` (re-exported here).
 */
import { StreamingCorrelationClusterer } from './streaming';
import type { ClustererId, ClustererOptions, UnitClusterer } from './types';
import { WindowKMeansClusterer } from './window-kmeans';

export type { ClusterResult, ClustererId, ClustererOptions, UnitClusterer } from './types';

/** Registry of clusterers by id. */
export const CLUSTERERS: Record<ClustererId, (opts: ClustererOptions) => UnitClusterer> = {
  window: (opts) => new WindowKMeansClusterer(opts),
  streaming: (opts) => new StreamingCorrelationClusterer(opts),
};

/** Builds the clusterer named `id`; throws listing the known ids when `id` is unknown. */
export function createClusterer(id: string, opts: ClustererOptions): UnitClusterer {
  if (!Object.prototype.hasOwnProperty.call(CLUSTERERS, id)) {
    throw new Error(`unknown clusterer '${id}' (known: ${Object.keys(CLUSTERERS).join(', ')})`);
  }
  return CLUSTERERS[id as ClustererId](opts);
}
