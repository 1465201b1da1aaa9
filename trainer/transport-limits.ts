/**
 * Limits on what a client can make the trainer's transport hold: the largest message before and after
 * authentication, how long a TCP connection may stay unauthenticated, how many may wait at once. `dynaxx serve`
 * (remote.ts) and the stdio trainer (main.ts) take them from here; options win over environment variables, which win
 * over the defaults. A hit limit closes the connection and says so in the trainer's log.
 */

export interface TransportLimits {
  /** Largest message (bytes) before `initialize` succeeds on a TCP connection; an `initialize` is about 200. */
  preAuthMessageBytes: number;
  /** Largest message (bytes) after it, and over stdio (DYNAXX_MAX_MESSAGE_BYTES). */
  messageBytes: number;
  /** A TCP connection that has not authenticated by then is closed (DYNAXX_AUTH_TIMEOUT_MS). */
  authTimeoutMs: number;
  /** TCP connections not yet authenticated, at once; one more is closed at once (DYNAXX_MAX_PENDING_CONNECTIONS). */
  pendingConnections: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  preAuthMessageBytes: 1024 * 1024,
  messageBytes: 64 * 1024 * 1024,
  authTimeoutMs: 10_000,
  pendingConnections: 64,
};

/** The environment variable that sets each limit (the pre-authentication cap is an option only). */
export const TRANSPORT_ENV: Partial<Record<keyof TransportLimits, string>> = {
  messageBytes: 'DYNAXX_MAX_MESSAGE_BYTES',
  authTimeoutMs: 'DYNAXX_AUTH_TIMEOUT_MS',
  pendingConnections: 'DYNAXX_MAX_PENDING_CONNECTIONS',
};

/** The limits: `given` first, then the environment (positive integers; anything else is ignored), then the defaults. */
export function transportLimits(given: Partial<TransportLimits> = {}, env: Record<string, string | undefined> = process.env): TransportLimits {
  const out = { ...DEFAULT_TRANSPORT_LIMITS };
  for (const key of Object.keys(out) as (keyof TransportLimits)[]) {
    const name = TRANSPORT_ENV[key];
    const fromEnv = name === undefined ? NaN : Number(env[name]);
    const v = given[key] ?? fromEnv;
    if (Number.isSafeInteger(v) && v > 0) out[key] = v;
  }
  // a pre-authentication message is never allowed to be larger than any message
  out.preAuthMessageBytes = Math.min(out.preAuthMessageBytes, out.messageBytes);
  return out;
}
