/**
 * Declarative field tables: one entry per key of a section or layer, with its type, bounds, default
 * and the documentation the JSON schema (and so hover/completion) shows. `readFields` checks a
 * mapping against a table; `fieldSchema` turns an entry into JSON Schema.
 */
import { describe, type SMap, type SNode } from './source';
import type { Reporter } from './report';
import { didYouMean } from './suggest';
import { quoteValue } from './limits';

interface Base { doc: string; required?: boolean }
export interface IntField extends Base { kind: 'int'; min?: number; max?: number; default?: number }
export interface NumberField extends Base {
  kind: 'number'; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; default?: number;
}
export interface EnumField extends Base { kind: 'enum'; values: readonly string[]; default?: string }
export interface BoolField extends Base { kind: 'bool'; default?: boolean }
/** A positive integer or an `[h, w]` pair; always read as a pair. */
export interface PairField extends Base { kind: 'pair'; default?: [number, number] }
/** A list of positive integers, e.g. `[28, 28, 1]`. */
export interface ShapeField extends Base { kind: 'shape' }
export interface StringField extends Base { kind: 'string'; pattern?: RegExp; patternDoc?: string }
/** A positive number or the string `auto`. */
export interface NumberOrAutoField extends Base { kind: 'numberOrAuto'; default?: number | 'auto' }
/** An integer >= `min` or the string `auto`. */
export interface IntOrAutoField extends Base { kind: 'intOrAuto'; min: number; default?: number | 'auto' }
/** A column name or a 0-based column index. */
export interface StringOrIntField extends Base { kind: 'stringOrInt' }
/** A list of distinct names out of `values` (may be empty). */
export interface NameListField extends Base { kind: 'nameList'; values: readonly string[]; default?: string[] }
/** A non-empty list of integers >= `min`, e.g. seeds. */
export interface IntListField extends Base { kind: 'intList'; min?: number; default?: number[] }
/** A non-empty list of distinct names whose allowed values are only known to the caller (it checks them). */
export interface StringListField extends Base { kind: 'stringList' }
export type Field =
  | IntField | NumberField | EnumField | BoolField | PairField | ShapeField | StringField | NumberOrAutoField | IntOrAutoField
  | StringOrIntField | NameListField | IntListField | StringListField;
export type FieldTable = Record<string, Field>;

const NOT_READ = Symbol('not-read');

/**
 * Checks `map` against `table`: unknown keys (with a did-you-mean among the table and `extraKeys`),
 * missing required keys, wrong types. Returns the values with defaults filled in, or undefined when
 * an error was reported. Keys in `extraKeys` are allowed but left to the caller.
 */
export function readFields(
  map: SMap, table: FieldTable, r: Reporter, where: string, extraKeys: readonly string[] = [],
): Record<string, unknown> | undefined {
  const before = r.errorCount;
  const allowed = [...Object.keys(table), ...extraKeys];
  const out: Record<string, unknown> = {};
  for (const e of map.entries) {
    if (allowed.includes(e.key)) continue;
    const s = didYouMean(e.key, allowed);
    r.error(e.keyRange, 'unknown-key', `unknown key '${quoteValue(e.key)}' in ${where}`, s);
  }
  for (const [key, field] of Object.entries(table)) {
    const e = map.entries.find((x) => x.key === key);
    if (e === undefined || (e.value.kind === 'scalar' && e.value.value === null)) {
      if (field.required) r.error(e?.keyRange ?? headRange(map), 'missing-key', `${where} needs '${key}' (${expected(field)})`);
      else if ('default' in field && field.default !== undefined) out[key] = clone(field.default);
      continue;
    }
    const v = readValue(e.value, field, r, `'${key}'`);
    if (v !== NOT_READ) out[key] = v;
  }
  return r.errorCount === before ? out : undefined;
}

/** The first line of a mapping: where "missing key" errors point. */
export function headRange(map: SMap): SMap['range'] {
  const first = map.entries[0];
  return first ? first.range : map.range;
}

function clone<T>(v: T): T {
  return Array.isArray(v) ? ([...v] as T) : v;
}

/** Reads one value; reports a `type` error and returns NOT_READ when it does not fit. */
export function readValue(node: SNode, field: Field, r: Reporter, what: string): unknown {
  const bad = (): typeof NOT_READ => {
    r.error(node.range, 'type', `${what} must be ${expected(field)}, got ${describe(node)}`);
    return NOT_READ;
  };
  const v = node.kind === 'scalar' ? node.value : undefined;
  switch (field.kind) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= (field.min ?? -Infinity) && v <= (field.max ?? Infinity) ? v : bad();
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && inBounds(v, field) ? v : bad();
    case 'enum': {
      if (typeof v === 'string' && field.values.includes(v)) return v;
      if (typeof v !== 'string') return bad();
      r.error(node.range, 'unknown-value', `${what} must be one of ${field.values.join(', ')}; got '${quoteValue(v)}'`, didYouMean(v, field.values));
      return NOT_READ;
    }
    case 'bool':
      return typeof v === 'boolean' ? v : bad();
    case 'pair': {
      if (typeof v === 'number') return Number.isInteger(v) && v >= 1 ? [v, v] : bad();
      if (node.kind !== 'seq' || node.items.length !== 2) return bad();
      const p = node.items.map((i) => (i.kind === 'scalar' ? i.value : undefined));
      return p.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1) ? p : bad();
    }
    case 'shape': {
      if (node.kind !== 'seq' || node.items.length === 0) return bad();
      const p = node.items.map((i) => (i.kind === 'scalar' ? i.value : undefined));
      return p.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1) ? p : bad();
    }
    case 'string':
      return typeof v === 'string' && v.length > 0 && (field.pattern === undefined || field.pattern.test(v)) ? v : bad();
    case 'numberOrAuto':
      return v === 'auto' || (typeof v === 'number' && v > 0) ? v : bad();
    case 'intOrAuto':
      return v === 'auto' || (typeof v === 'number' && Number.isInteger(v) && v >= field.min) ? v : bad();
    case 'stringOrInt':
      return (typeof v === 'string' && v.length > 0) || (typeof v === 'number' && Number.isInteger(v) && v >= 0) ? v : bad();
    case 'nameList': {
      if (node.kind !== 'seq') return bad();
      const names: string[] = [];
      let ok = true;
      for (const item of node.items) {
        const x = item.kind === 'scalar' ? item.value : undefined;
        if (typeof x !== 'string') {
          r.error(item.range, 'type', `${what} takes names (${field.values.join(', ')}), got ${describe(item)}`);
          ok = false;
        } else if (!field.values.includes(x)) {
          r.error(item.range, 'unknown-value', `${what}: unknown name '${x}'; known: ${field.values.join(', ')}`, didYouMean(x, field.values));
          ok = false;
        } else if (names.includes(x)) {
          r.error(item.range, 'type', `${what}: '${x}' is listed twice`);
          ok = false;
        } else names.push(x);
      }
      return ok ? names : NOT_READ;
    }
    case 'intList': {
      if (node.kind !== 'seq' || node.items.length === 0) return bad();
      const p = node.items.map((i) => (i.kind === 'scalar' ? i.value : undefined));
      return p.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= (field.min ?? -Infinity)) ? p : bad();
    }
    case 'stringList': {
      if (node.kind !== 'seq' || node.items.length === 0) return bad();
      const names: string[] = [];
      let ok = true;
      for (const item of node.items) {
        const x = item.kind === 'scalar' ? item.value : undefined;
        if (typeof x !== 'string' || x.length === 0) {
          r.error(item.range, 'type', `${what} takes names, got ${describe(item)}`);
          ok = false;
        } else if (names.includes(x)) {
          r.error(item.range, 'type', `${what}: '${x}' is listed twice`);
          ok = false;
        } else names.push(x);
      }
      return ok ? names : NOT_READ;
    }
  }
}

function inBounds(v: number, f: NumberField): boolean {
  if (f.min !== undefined && (f.minExclusive ? v <= f.min : v < f.min)) return false;
  if (f.max !== undefined && (f.maxExclusive ? v >= f.max : v > f.max)) return false;
  return true;
}

/** What a field accepts, in words: "an integer >= 1", "a number in [0, 1)". */
export function expected(f: Field): string {
  switch (f.kind) {
    case 'int':
      if (f.max !== undefined) return `an integer in [${f.min ?? '-∞'}, ${f.max}]`;
      return f.min === undefined ? 'an integer' : f.min === 1 ? 'a positive integer' : `an integer >= ${f.min}`;
    case 'number': {
      if (f.min !== undefined && f.max !== undefined) {
        return `a number in ${f.minExclusive ? '(' : '['}${f.min}, ${f.max}${f.maxExclusive ? ')' : ']'}`;
      }
      if (f.min !== undefined) return `a number ${f.minExclusive ? '>' : '>='} ${f.min}`;
      return 'a number';
    }
    case 'enum': return `one of ${f.values.join(', ')}`;
    case 'bool': return 'true or false';
    case 'pair': return 'a positive integer or a [height, width] pair';
    case 'shape': return 'a list of positive integers, e.g. [28, 28, 1]';
    case 'string': return f.patternDoc ?? 'a non-empty string';
    case 'numberOrAuto': return "a positive number or 'auto'";
    case 'intOrAuto': return `an integer >= ${f.min} or 'auto'`;
    case 'stringOrInt': return 'a column name or a 0-based column index';
    case 'nameList': return `a list of names out of ${f.values.join(', ')}`;
    case 'intList': return f.min === undefined ? 'a non-empty list of integers' : `a non-empty list of integers >= ${f.min}`;
    case 'stringList': return 'a non-empty list of distinct names';
  }
}

/** JSON Schema (draft-07) for one field. */
export function fieldSchema(f: Field): Record<string, unknown> {
  const dflt = 'default' in f && f.default !== undefined ? { default: f.default } : {};
  const base = { description: f.doc, ...dflt };
  const posInt = { type: 'integer', minimum: 1 };
  switch (f.kind) {
    case 'int': return { ...base, type: 'integer', ...(f.min !== undefined ? { minimum: f.min } : {}), ...(f.max !== undefined ? { maximum: f.max } : {}) };
    case 'number': {
      const s: Record<string, unknown> = { ...base, type: 'number' };
      if (f.min !== undefined) s[f.minExclusive ? 'exclusiveMinimum' : 'minimum'] = f.min;
      if (f.max !== undefined) s[f.maxExclusive ? 'exclusiveMaximum' : 'maximum'] = f.max;
      return s;
    }
    case 'enum': return { ...base, type: 'string', enum: [...f.values] };
    case 'bool': return { ...base, type: 'boolean' };
    case 'pair': return { ...base, oneOf: [posInt, { type: 'array', items: posInt, minItems: 2, maxItems: 2 }] };
    case 'shape': return { ...base, type: 'array', items: posInt, minItems: 1 };
    case 'string': return { ...base, type: 'string', minLength: 1, ...(f.pattern ? { pattern: f.pattern.source } : {}) };
    case 'numberOrAuto': return { ...base, oneOf: [{ type: 'number', exclusiveMinimum: 0 }, { const: 'auto' }] };
    case 'intOrAuto': return { ...base, oneOf: [{ type: 'integer', minimum: f.min }, { const: 'auto' }] };
    case 'stringOrInt': return { ...base, oneOf: [{ type: 'string', minLength: 1 }, { type: 'integer', minimum: 0 }] };
    case 'nameList': return { ...base, type: 'array', uniqueItems: true, items: { type: 'string', enum: [...f.values] } };
    case 'intList': return { ...base, type: 'array', minItems: 1, items: { type: 'integer', ...(f.min !== undefined ? { minimum: f.min } : {}) } };
    case 'stringList': return { ...base, type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } };
  }
}
