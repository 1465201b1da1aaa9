/**
 * The types of the unit-clustering seam (`clusterer.ts`): a clusterer's options, what `cluster()` returns and
 * the `UnitClusterer` interface itself. Kept apart so the implementations and their helpers import these
 * without importing the registry that imports them.
 */
export interface ClustererOptions {
  /** Units being clustered (the columns of every `observe` call). */
  units: number;
  /** Clusters (subnetworks), ≥ 1. */
  k: number;
  /** Fixes every random choice; equal seeds and inputs give equal labels. */
  seed: number;
  /** Steps kept (window method). */
  window: number;
  /** Signature rows per step: `observe` takes exactly samples*units floats. */
  samples: number;
  /** Streaming EMA decay in (0, 1), default 0.98. */
  decay?: number;
  /** Fresh k-means++ runs per `cluster()` besides the warm start, to escape local minima (default 3). */
  restarts?: number;
}

/** What `cluster()` returns. */
export interface ClusterResult {
  /** Cluster of each unit, 0..k-1. */
  labels: Int32Array;
  /** 1 for a unit with no signal in the kept history; it keeps its previous label (round-robin `u % k` before any). */
  dormant: Uint8Array;
  /** Units whose label differs from the previous call's; on the first call, every unit (`units`). */
  changed: number;
}

export interface UnitClusterer {
  readonly id: string;
  /** Add one step of signals: `signals` is row-major [samples, units] (per-sample gradient attributions of every unit). */
  observe(signals: Float32Array): void;
  /** Cluster the units; warm-started from the previous result so cluster ids stay stable across calls. */
  cluster(): ClusterResult;
  /** Memory held, in floats (for the docs/benchmark). */
  memoryFloats(): number;
  /** Serialisable state for checkpoints (plain JSON: numbers and arrays of numbers). */
  save(): unknown;
  /** Inverse of `save`; throws, naming the field, when the state does not match this clusterer's options. */
  load(state: unknown): void;
}

export type ClustererId = 'window' | 'streaming';
