/**
 * The queue's address: `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS) read into ioredis
 * options, with the password from `DYNAXX_QUEUE_PASSWORD` when the URL has none and the URL itself from
 * `DYNAXX_QUEUE_URL` when none is given. Credentials never leave this file in text: every message names the
 * queue by `redactUrl`, and `scrub` takes the password out of any error text from ioredis or BullMQ.
 */
import type { RedisOptions } from 'ioredis';
import { UserError } from '../errors';

export const QUEUE_URL_ENV = 'DYNAXX_QUEUE_URL';
export const QUEUE_PASSWORD_ENV = 'DYNAXX_QUEUE_PASSWORD';
const EXPECTED = 'expected redis://[user:password@]host:port[/db] or rediss://... for TLS';

/** ioredis options that BullMQ accepts as they are (its type wants a retry strategy that is a function). */
export type QueueRedisOptions = Omit<RedisOptions, 'retryStrategy'> & { retryStrategy: (times: number) => number };

export interface QueueConnection {
  /** ioredis options: reconnects forever, `maxRetriesPerRequest: null` (what BullMQ's workers need). */
  options: QueueRedisOptions;
  /** The URL without credentials, for every message. */
  redacted: string;
  /** Takes the password (plain and URL-encoded) out of a text. */
  scrub(text: string): string;
}

/**
 * The URL without its password: `redis://user:***@host:port/db`. Never throws; text that is no URL loses everything
 * between its first ':' and its last '@' (`u:pw@h` gives `u:***@h`): better too much hidden than a password shown.
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  const start = scheme ? scheme[0].length : 0;
  const cred = url.slice(start, at);
  const colon = cred.indexOf(':');
  if (colon < 0) return url;
  return `${url.slice(0, start)}${cred.slice(0, colon)}:***${url.slice(at)}`;
}

/** Every `redis://user:password@` or `rediss://...` inside a longer text, redacted. */
function redactUrlsIn(text: string): string {
  return text.replace(/\b(rediss?:\/\/)([^\s/@]*)@/gi, (m, scheme: string, cred: string) => {
    const colon = cred.indexOf(':');
    return colon < 0 ? m : `${scheme}${cred.slice(0, colon)}:***@`;
  });
}

/** Reconnect after 1, 2, 4, then every 5 s, for ever: a Redis restart is a fault to ride out, not to die of. */
export function retryDelay(times: number): number {
  return Math.min(1000 * 2 ** Math.max(0, times - 1), 5000);
}

/** The queue URL from a flag, else `DYNAXX_QUEUE_URL`; undefined when neither is set (the local pool then). */
export function queueUrlFrom(url: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return url?.trim() || env[QUEUE_URL_ENV]?.trim() || undefined;
}

/** The queue URL: the argument, else `DYNAXX_QUEUE_URL`; a UserError when neither is there. */
export function resolveQueueUrl(url: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const u = url?.trim() || env[QUEUE_URL_ENV]?.trim();
  if (!u) throw new UserError(`no queue URL: pass --queue or set ${QUEUE_URL_ENV} (${EXPECTED})`);
  return u;
}

/** Reads a queue URL into ioredis options. Bad URLs give a UserError that shows the URL redacted. */
export function parseRedisUrl(url: string, env: NodeJS.ProcessEnv = process.env): QueueConnection {
  const shown = redactUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`bad queue URL '${shown}': ${EXPECTED}`);
  }
  const scheme = u.protocol.toLowerCase();
  if (scheme !== 'redis:' && scheme !== 'rediss:') throw new UserError(`bad queue URL '${shown}': scheme '${scheme}', ${EXPECTED}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new UserError(`bad queue URL '${shown}': no host, ${EXPECTED}`);
  const port = u.port ? Number(u.port) : 6379;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`bad queue URL '${shown}': bad port, ${EXPECTED}`);
  const path = u.pathname.replace(/^\//, '');
  let db = 0;
  if (path !== '') {
    if (!/^\d{1,5}$/.test(path)) throw new UserError(`bad queue URL '${shown}': the database '${path}' is not a number, ${EXPECTED}`);
    db = Number(path);
  }
  if (u.search || u.hash) throw new UserError(`bad queue URL '${shown}': no query or fragment allowed, ${EXPECTED}`);
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = u.username ? decodeURIComponent(u.username) : undefined;
    password = u.password ? decodeURIComponent(u.password) : undefined;
  } catch {
    throw new UserError(`bad queue URL '${shown}': bad %-escape in the credentials, ${EXPECTED}`);
  }
  if (password === undefined && env[QUEUE_PASSWORD_ENV]) password = env[QUEUE_PASSWORD_ENV];
  const secrets = [password, u.password].filter((s): s is string => !!s && s.length > 0);
  const scrub = (text: string): string => {
    let t = redactUrlsIn(text);
    for (const s of secrets) t = t.split(s).join('***');
    return t;
  };
  const options: QueueRedisOptions = {
    host,
    port,
    db,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(scheme === 'rediss:' ? { tls: { servername: host } } : {}),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: retryDelay,
  };
  return { options, redacted: shown, scrub };
}

/** An error safe to show: its message scrubbed of the password, no cause or stack carrying the original text. */
export function safeError(err: unknown, conn: Pick<QueueConnection, 'scrub'>): Error {
  const message = conn.scrub(err instanceof Error ? err.message : String(err));
  const e = err instanceof UserError ? new UserError(message) : new Error(message);
  return e;
}

/** One line for a log: the error's message, scrubbed. */
export function errorText(err: unknown, conn: Pick<QueueConnection, 'scrub'>): string {
  return conn.scrub(err instanceof Error ? err.message : String(err));
}
