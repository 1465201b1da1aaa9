/** The latest per-layer statistics of the runs of each model file (`dynaxx/runStats`), for hovers. */
import type { LayerStats } from '../protocol/trainer';
import type { RunStatsParams } from '../protocol/lsp-ext';
import { normalizeUri } from './documents';

export interface LiveStats {
  runId: string;
  step: number;
  byLayer: Map<string, LayerStats>;
}

export class RunStats {
  private readonly latest = new Map<string, RunStatsParams>();

  update(params: RunStatsParams): void {
    this.latest.set(normalizeUri(params.uri), params);
  }

  /** The statistics of the run that is live for this file, if one is. */
  live(uri: string): LiveStats | undefined {
    const p = this.latest.get(normalizeUri(uri));
    if (!p || p.status !== 'running') return undefined;
    return { runId: p.runId, step: p.step, byLayer: new Map(p.layers.map((l) => [l.layerId, l])) };
  }
}
