/** The server's settings, from `initializationOptions` (one type, shared with the extension through the docs). */
export interface ServerOptions {
  /** Re-parse this long after the last edit (milliseconds, default 150; 0 for tests and benchmarks). */
  debounceMs: number;
}

export const DEFAULT_OPTIONS: ServerOptions = { debounceMs: 150 };

export function readOptions(init: unknown): ServerOptions {
  const o = (init ?? {}) as Partial<Record<keyof ServerOptions, unknown>>;
  const debounceMs = typeof o.debounceMs === 'number' && o.debounceMs >= 0 ? o.debounceMs : DEFAULT_OPTIONS.debounceMs;
  return { debounceMs };
}
