/**
 * A backend's work between training steps, behind one registration point so that the loop imports no backend: the
 * WebGPU backend (trainer/backend/webgpu-host.ts) uses it to keep the host from running more than a bounded amount
 * of work ahead of the GPU. The loop awaits it where it already yields to the event loop.
 */
let hook: (() => Promise<void> | void) | undefined;

/** Registers the active backend's between-steps work (one per process, like the backend). */
export function setBetweenSteps(fn: (() => Promise<void> | void) | undefined): void {
  hook = fn;
}

/** Runs it, when there is one. */
export async function betweenSteps(): Promise<void> {
  await hook?.();
}
