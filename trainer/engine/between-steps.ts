/**
 * A backend's work at step boundaries, behind one registration point so that the loop imports no backend. The WebGPU
 * backend (trainer/backend/webgpu-host.ts) submits its recorded work at the end of every step (so every step starts
 * from the same buffer pool and binds the same bind groups again) and, between steps, keeps the host from running
 * more than a bounded amount of work ahead of the GPU.
 */
export interface StepBoundary {
  /** After each training step's last op; synchronous and cheap. */
  endStep?(): void;
  /** Where the loop already yields to the event loop (every few steps). */
  between?(): Promise<void> | void;
}

let boundary: StepBoundary = {};

/** Registers the active backend's step-boundary work (one per process, like the backend). */
export function setStepBoundary(b: StepBoundary): void {
  boundary = b;
}

export function endStep(): void {
  boundary.endStep?.();
}

export async function betweenSteps(): Promise<void> {
  await boundary.between?.();
}
