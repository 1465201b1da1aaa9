/** The server's settings, from `initializationOptions` (one type, shared with the extension through the docs). */
export interface ServerOptions {
  /** Re-parse this long after the last edit (milliseconds, default 150; 0 for tests and benchmarks). */
  debounceMs: number;
  /**
   * A parse that runs longer than this is stopped (its worker is replaced) and the file gets one error instead
   * (milliseconds, default 3000, or DYNAXX_PARSE_TIMEOUT_MS).
   */
  parseTimeoutMs: number;
  /** Parse workers, spawned on demand (default 3, at least 2: one slow file must not hold up the others). */
  parseWorkers: number;
  /**
   * Whether the workspace is trusted. Untrusted (Restricted Mode, and the default when a client says nothing):
   * `modelJson:` reads only files inside the workspace folders.
   */
  workspaceTrusted: boolean;
}

export const PARSE_TIMEOUT_ENV = 'DYNAXX_PARSE_TIMEOUT_MS';

export const DEFAULT_OPTIONS: ServerOptions = { debounceMs: 150, parseTimeoutMs: 3000, parseWorkers: 3, workspaceTrusted: false };

export function readOptions(init: unknown, env: Record<string, string | undefined> = process.env): ServerOptions {
  const o = (init ?? {}) as Partial<Record<keyof ServerOptions, unknown>>;
  const count = (v: unknown, min: number): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= min ? Math.floor(v) : undefined);
  const debounceMs = count(o.debounceMs, 0) ?? DEFAULT_OPTIONS.debounceMs;
  const fromEnv = env[PARSE_TIMEOUT_ENV] ? count(Number(env[PARSE_TIMEOUT_ENV]), 1) : undefined;
  const parseTimeoutMs = count(o.parseTimeoutMs, 1) ?? fromEnv ?? DEFAULT_OPTIONS.parseTimeoutMs;
  const parseWorkers = Math.max(2, count(o.parseWorkers, 1) ?? DEFAULT_OPTIONS.parseWorkers);
  const workspaceTrusted = o.workspaceTrusted === true;
  return { debounceMs, parseTimeoutMs, parseWorkers, workspaceTrusted };
}
