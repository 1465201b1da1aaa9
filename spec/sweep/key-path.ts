/**
 * Axis key paths (`train.optimizer.lr`, `model.layers[1].units`): their syntax, and what the model file's JSON
 * schema says about them (an unknown key with a did-you-mean; whether the key accepts `off` as a value), so a
 * typo is one positioned error in the sweep file rather than one error per point.
 */
import { buildSchema } from '../schema';
import { didYouMean } from '../suggest';
import { quoteValue } from '../limits';

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*/;
const MAX_INDEX = 1_000_000;

/** The segments of a key path, or the first problem and its 0-based offset in `path`. */
export function parseKeyPath(path: string): { segments: Array<string | number> } | { error: string; offset: number } {
  const segments: Array<string | number> = [];
  let i = 0;
  if (path.length === 0) return { error: 'an axis needs a key path such as train.optimizer.lr', offset: 0 };
  for (;;) {
    const m = NAME.exec(path.slice(i));
    if (!m) {
      const what = i >= path.length ? 'the path ends after a dot' : `'${quoteValue(path[i]!)}' cannot start a key`;
      return { error: `bad key path: ${what}; keys are letters, digits, '_' and '-' joined by '.', with [i] for list items (model.layers[1].units)`, offset: i };
    }
    segments.push(m[0]);
    i += m[0].length;
    while (path[i] === '[') {
      const idx = /^\[(\d+)\]/.exec(path.slice(i));
      if (!idx || Number(idx[1]) > MAX_INDEX) {
        return { error: `bad key path: a list index is written [0], [1], ... (a number of at most ${MAX_INDEX.toLocaleString('en-US')} in brackets)`, offset: i };
      }
      segments.push(Number(idx[1]));
      i += idx[0].length;
    }
    if (i === path.length) return { segments };
    if (path[i] !== '.') {
      return { error: `bad key path: '${quoteValue(path[i]!)}' after '${quoteValue(path.slice(0, i))}'; join keys with '.' and write list items as [i]`, offset: i };
    }
    i++;
  }
}

/** `['model', 'layers', 1]` → `model.layers[1]`. */
export function formatKeyPath(segments: ReadonlyArray<string | number>): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

type Schema = Record<string, unknown>;
let root: Schema | undefined;
const modelSchema = (): Schema => (root ??= buildSchema());

/** A schema with its `$ref`, `anyOf`, `oneOf` and `allOf`/`then` branches, each resolved, itself included. */
function branches(s: Schema, out: Schema[] = [], depth = 0): Schema[] {
  if (depth > 16 || out.includes(s)) return out;
  out.push(s);
  const ref = s.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/definitions/')) {
    const def = (modelSchema().definitions as Record<string, Schema>)[ref.slice('#/definitions/'.length)];
    if (def) branches(def, out, depth + 1);
  }
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = s[k];
    if (Array.isArray(list)) for (const b of list as Schema[]) branches(b, out, depth + 1);
  }
  if (s.then && typeof s.then === 'object') branches(s.then as Schema, out, depth + 1);
  return out;
}

export interface PathCheck {
  /** What is wrong with the path in the model file's schema, with the segment at fault (index into segments). */
  problem?: { message: string; segment: number; suggestion?: string };
  /** The path's schema accepts the value `off` (`stabilize`, `prune`, ...): an `off` value is written, not a deletion. */
  acceptsOff: boolean;
}

/**
 * Checks a key path against the model file's schema: every key must exist where it is written (mappings with a
 * closed set of keys), list indices only into lists. Free-form sections (`dna`) accept any key below them.
 */
export function checkModelPath(segments: ReadonlyArray<string | number>): PathCheck {
  let current: Schema[] = [modelSchema()];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const all = current.flatMap((s) => branches(s));
    const next: Schema[] = [];
    if (typeof seg === 'number') {
      for (const s of all) if (s.type === 'array' && s.items && typeof s.items === 'object') next.push(s.items as Schema);
      if (next.length === 0) {
        return { problem: { message: `${formatKeyPath(segments.slice(0, i)) || 'the model file'} is not a list in a model file; [${seg}] cannot index it`, segment: i }, acceptsOff: false };
      }
    } else {
      const keys = new Set<string>();
      for (const s of all) {
        if (s.additionalProperties === true) return { acceptsOff: false }; // free-form: anything below goes
        const props = s.properties as Record<string, Schema> | undefined;
        if (!props) continue;
        for (const k of Object.keys(props)) keys.add(k);
        if (props[seg]) next.push(props[seg]!);
      }
      if (next.length === 0) {
        const where = i === 0 ? 'a model file' : `'${formatKeyPath(segments.slice(0, i))}'`;
        if (keys.size === 0) {
          const list = all.some((s) => s.type === 'array');
          const message = list
            ? `${where} is a list in a model file; pick an item with [i] (${formatKeyPath(segments.slice(0, i))}[0].${seg})`
            : `${where} is a single value in a model file, not a mapping; it has no key '${seg}'`;
          return { problem: { message, segment: i }, acceptsOff: false };
        }
        const near = didYouMean(seg, [...keys]);
        const suggestion = near === undefined ? undefined : formatKeyPath([...segments.slice(0, i), near, ...segments.slice(i + 1)]);
        return { problem: { message: `unknown key '${quoteValue(seg)}' in ${where}`, segment: i, ...(suggestion ? { suggestion } : {}) }, acceptsOff: false };
      }
    }
    current = next;
  }
  const acceptsOff = current.flatMap((s) => branches(s)).some((s) => s.const === 'off' || (Array.isArray(s.enum) && s.enum.includes('off')));
  return { acceptsOff };
}
