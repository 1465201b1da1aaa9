/**
 * What every compute backend implements, and the error one raises when it cannot load: their own file, so each
 * backend (cpu.ts, wasm.ts, ...) imports them without importing the registry (backends.ts) that lists it.
 */
import type { BackendId, BackendProbe } from '../../protocol/trainer';

export interface Backend {
  name: BackendId;
  /** Cheap check that does not register anything with tfjs. */
  probe(): Promise<BackendProbe>;
  /** Registers and selects the backend; returns the device description. Throws BackendError. */
  init(): Promise<string>;
}

/** A backend that was asked for and cannot load: the message says what is missing and how to get it. */
export class BackendError extends Error {
  constructor(public readonly backend: string, message: string) {
    super(message);
    this.name = 'BackendError';
  }
}
