/**
 * Walks the model file's JSON Schema (spec's `buildSchema()`) along a YAML path: which keys a mapping
 * takes, which values a key takes, and their descriptions. A layer mapping is resolved by its `type:`.
 */
import { buildSchema } from '../spec';
import { valueAt, type PathSegment } from './yaml-ast';

export interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  enumDescriptions?: string[];
  const?: unknown;
  default?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  definitions?: Record<string, Schema>;
}

/** One value a key accepts, with what it means. */
export interface ValueChoice { value: string; description?: string }

let root: Schema | undefined;
function schemaRoot(): Schema {
  root ??= buildSchema() as Schema;
  return root;
}

function deref(s: Schema | undefined): Schema | undefined {
  if (!s?.$ref) return s;
  const name = s.$ref.replace(/^#\/definitions\//, '');
  const target = schemaRoot().definitions?.[name];
  // a $ref beside a description: keep the local description
  return target && s.description ? { ...target, description: s.description } : target;
}

/** The branch of a schema that fits `value` (the object branch of `adam | {type, lr}`, a layer by its type). */
export function select(s: Schema | undefined, value: unknown): Schema | undefined {
  s = deref(s);
  if (!s) return undefined;
  const branches = s.anyOf ?? s.oneOf;
  if (branches) {
    const kind = Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'scalar';
    const pick = branches.map(deref).find((b) => b && (kind === 'array' ? !!b.items : kind === 'object' ? !!b.properties : !b.properties && !b.items));
    s = pick ? { ...pick, description: pick.description ?? s.description } : s;
  }
  const type = (value as { type?: unknown } | undefined)?.type;
  const layer = schemaRoot().definitions?.layer;
  if (typeof type === 'string' && (s === layer || s.description === layer?.description)) {
    return schemaRoot().definitions?.[`layer-${type}`] ?? s;
  }
  return s;
}

/** The schema of the node at `path` in `doc` (plain data, used to pick branches and layer types). */
export function schemaAt(doc: unknown, path: readonly PathSegment[]): Schema | undefined {
  let s: Schema | undefined = schemaRoot();
  for (const [i, seg] of path.entries()) {
    const here = select(s, valueAt(doc, path.slice(0, i)));
    if (!here) return undefined;
    s = typeof seg === 'number' ? here.items ?? here.anyOf?.map(deref).find((b) => b?.items)?.items : propertyOf(here, seg);
  }
  return s;
}

function propertyOf(s: Schema, key: string): Schema | undefined {
  const direct = s.properties?.[key];
  if (direct) return direct;
  for (const b of s.anyOf ?? s.oneOf ?? []) {
    const p = deref(b)?.properties?.[key];
    if (p) return p;
  }
  return undefined;
}

/** The keys a mapping at `path` accepts, with their schemas. */
export function keysAt(doc: unknown, path: readonly PathSegment[]): Array<[string, Schema]> {
  const s = select(schemaAt(doc, path), valueAt(doc, path));
  const props = s?.properties ?? {};
  return Object.entries(props).map(([k, v]) => [k, select(v, undefined) ?? v]);
}

export function requiredAt(doc: unknown, path: readonly PathSegment[]): string[] {
  return select(schemaAt(doc, path), valueAt(doc, path))?.required ?? [];
}

/** The scalar values the key at `path` accepts (enums, constants, booleans). */
export function valuesAt(doc: unknown, path: readonly PathSegment[]): ValueChoice[] {
  const out: ValueChoice[] = [];
  const seen = new Set<string>();
  const add = (value: string, description?: string): void => {
    if (seen.has(value)) return;
    seen.add(value);
    out.push(description ? { value, description } : { value });
  };
  const collect = (s: Schema | undefined): void => {
    s = deref(s);
    if (!s) return;
    s.enum?.forEach((v, i) => add(String(v), s!.enumDescriptions?.[i]));
    if (s.const !== undefined) add(String(s.const), s.description);
    if (s.type === 'boolean') { add('true'); add('false'); }
    for (const b of s.anyOf ?? s.oneOf ?? []) collect(b);
  };
  collect(schemaAt(doc, path));
  return out;
}

/** The description of the key at `path`. */
export function descriptionAt(doc: unknown, path: readonly PathSegment[]): string | undefined {
  return deref(schemaAt(doc, path))?.description;
}
