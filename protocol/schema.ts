/**
 * Small runtime schemas for the params of protocol requests, declared once next to each request's types
 * (protocol/trainer.ts `XxxRequest.params`) so that the trainer checks every request's params before it uses them.
 * A schema states what it expects in words ("a string", "one of 'cpu', 'wasm'"); `check` returns the first problem,
 * with the value found, and the receiver turns it into a message (cut, so that a huge value is never echoed).
 *
 * `object<T>(fields)` must name every field of T, with `optional(...)` exactly for T's optional fields: a field added
 * to a params type without a schema does not compile.
 */

/** Where a value failed (`overrides.batchSize`; '' for the params themselves), what was expected, and what was there. */
export interface SchemaProblem {
  path: string;
  expected: string;
  got: unknown;
  /** Set when `path` is a field a closed object does not have: the fields it has. */
  known?: string[];
}

export interface Schema<T> {
  /** What a valid value is, in words: "a string", "an object". */
  readonly expected: string;
  /** True for `optional(...)`: undefined is valid. */
  readonly optional: boolean;
  check(value: unknown, path: string): SchemaProblem | undefined;
  /** Type only (never set): the TypeScript type the schema accepts. */
  readonly __type?: T;
}

export interface RequiredSchema<T> extends Schema<T> { readonly optional: false }
export interface OptionalSchema<T> extends Schema<T | undefined> { readonly optional: true }

function schema<T>(expected: string, ok: (v: unknown) => boolean): RequiredSchema<T> {
  return { expected, optional: false, check: (v, path) => (ok(v) ? undefined : { path, expected, got: v }) };
}

/** A string; `min`/`max` bound its length. */
export function text(opts: { min?: number; max?: number } = {}): RequiredSchema<string> {
  const { min = 0, max } = opts;
  const expected = `a ${min > 0 ? 'non-empty ' : ''}string${max !== undefined ? ` of at most ${max} characters` : ''}`;
  return schema(expected, (v) => typeof v === 'string' && v.length >= min && (max === undefined || v.length <= max));
}

/** A finite number; `integer` and `min` narrow it. */
export function num(opts: { integer?: boolean; min?: number } = {}): RequiredSchema<number> {
  const expected = `${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}`;
  return schema(expected, (v) => typeof v === 'number' && Number.isFinite(v) && (!opts.integer || Number.isInteger(v)) && (opts.min === undefined || v >= opts.min));
}

export const bool: RequiredSchema<boolean> = schema('true or false', (v) => typeof v === 'boolean');

/** One of a few strings. */
export function oneOf<T extends string>(...values: T[]): RequiredSchema<T> {
  return schema(`one of ${values.map((v) => `'${v}'`).join(', ')}`, (v) => typeof v === 'string' && (values as string[]).includes(v));
}

/** A value either schema accepts. */
export function either<A, B>(a: RequiredSchema<A>, b: RequiredSchema<B>): RequiredSchema<A | B> {
  return schema(`${a.expected} or ${b.expected}`, (v) => !a.check(v, '') || !b.check(v, ''));
}

/** A list of items; `plural` names them in messages ("strings"). */
export function listOf<T>(item: RequiredSchema<T>, plural: string): RequiredSchema<T[]> {
  const expected = `a list of ${plural}`;
  return {
    expected,
    optional: false,
    check(v, path) {
      if (!Array.isArray(v)) return { path, expected, got: v };
      for (let i = 0; i < v.length; i++) {
        const p = item.check(v[i], `${path}[${i}]`);
        if (p) return p;
      }
      return undefined;
    },
  };
}

export function optional<T>(s: RequiredSchema<T>): OptionalSchema<T> {
  return { expected: s.expected, optional: true, check: (v, path) => (v === undefined ? undefined : s.check(v, path)) };
}

/** For each field of T: its schema, `optional(...)` exactly when the field is optional in T. */
export type Fields<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? OptionalSchema<Exclude<T[K], undefined>> : RequiredSchema<T[K]> };

/**
 * A JSON object (not null, not a list) with these fields. `closed`: a field it does not declare is a problem (a
 * mistyped override must not be ignored); otherwise unknown fields are ignored (a newer client may send more).
 */
export function object<T>(fields: Fields<T>, opts: { closed?: boolean } = {}): RequiredSchema<T> {
  const entries = Object.entries(fields) as Array<[string, Schema<unknown>]>;
  return {
    expected: 'an object',
    optional: false,
    check(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return { path, expected: 'an object', got: v };
      const at = (k: string) => (path ? `${path}.${k}` : k);
      const rec = v as Record<string, unknown>;
      for (const [k, s] of entries) {
        const p = s.check(Object.prototype.hasOwnProperty.call(rec, k) ? rec[k] : undefined, at(k));
        if (p) return p;
      }
      if (opts.closed) {
        const extra = Object.keys(rec).find((k) => !Object.prototype.hasOwnProperty.call(fields, k));
        if (extra !== undefined) return { path: at(extra), expected: 'nothing (not a known field)', got: rec[extra], known: entries.map(([k]) => k) };
      }
      return undefined;
    },
  };
}

/** Checks a request's params: missing params count as `{}` (valid when every field is optional). */
export function checkParams<T>(s: RequiredSchema<T>, params: unknown): SchemaProblem | undefined {
  return s.check(params === undefined || params === null ? {} : params, '');
}
