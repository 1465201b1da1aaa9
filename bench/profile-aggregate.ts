/**
 * Where a training step's time goes, from a timing log: each kernel's own time (its nested kernels excluded) summed
 * by kernel name and divided by the timed steps, its share of the step, and the rest of the step that no kernel
 * accounts for (JavaScript: the engine's bookkeeping, the gradient tape, batch gathering and upload, disposal).
 * Pure: bench/kernel-timer.ts writes the log, bench/profile.ts stores the result, bench/tables/profile.ts renders it.
 */

/** One kernel name's total over the timed steps. */
export interface KernelTotal {
  name: string;
  calls: number;
  /** Own time in ms, nested kernels excluded. */
  ms: number;
}

/** One kernel name per step. */
export interface KernelRow {
  name: string;
  callsPerStep: number;
  msPerStep: number;
  /** msPerStep / the step's ms, 0..1. */
  share: number;
}

export interface StepProfile {
  steps: number;
  /** Wall time of a timed step (the timed run's seconds / steps), ms. */
  stepMs: number;
  /** Sum of every kernel's own time per step, ms. */
  kernelMs: number;
  /** stepMs − kernelMs: what no kernel accounts for (JS overhead), ms. */
  restMs: number;
  kernelsPerStep: number;
  /** Every kernel name, most time first. */
  kernels: KernelRow[];
}

/** Totals by name from a log of (name, own ms) entries, one per kernel call. */
export function totalsByName(log: Iterable<{ name: string; ms: number }>): KernelTotal[] {
  const by = new Map<string, KernelTotal>();
  for (const e of log) {
    const t = by.get(e.name) ?? { name: e.name, calls: 0, ms: 0 };
    t.calls++;
    t.ms += e.ms;
    by.set(e.name, t);
  }
  return [...by.values()];
}

/** The per-step profile of `steps` timed steps that took `totalMs` of wall time, with these kernel totals. */
export function stepProfile(totals: KernelTotal[], steps: number, totalMs: number): StepProfile {
  if (!(steps > 0)) throw new Error(`a step profile needs at least one timed step, got ${steps}`);
  const stepMs = totalMs / steps;
  const kernels = totals
    .map((t) => ({ name: t.name, callsPerStep: t.calls / steps, msPerStep: t.ms / steps, share: stepMs > 0 ? t.ms / steps / stepMs : 0 }))
    .sort((a, b) => b.msPerStep - a.msPerStep || a.name.localeCompare(b.name));
  const kernelMs = kernels.reduce((s, k) => s + k.msPerStep, 0);
  const kernelsPerStep = kernels.reduce((s, k) => s + k.callsPerStep, 0);
  return { steps, stepMs, kernelMs, restMs: stepMs - kernelMs, kernelsPerStep, kernels };
}
