/**
 * Limits on what a model file may make the tools do: how big the text is, how far YAML aliases expand, how deep
 * it nests, how many layers `repeat:` produces, how big a `modelJson:` file is, how much of a value a message
 * quotes. Every reader (CLI, trainer, language server) uses these, so a hostile file ends in a positioned error
 * in bounded time and memory. Each limit can be raised with its environment variable (named in the error).
 */

export interface SpecLimits {
  /** Bytes of model-file text (DYNAXX_MAX_MODEL_BYTES). */
  maxModelBytes: number;
  /** Bytes of a `modelJson:` file (DYNAXX_MAX_MODEL_JSON_BYTES). */
  maxModelJsonBytes: number;
  /** Nodes produced by YAML alias expansion (DYNAXX_MAX_ALIAS_NODES). */
  maxAliasNodes: number;
  /** Nesting depth of mappings and lists (DYNAXX_MAX_NESTING). */
  maxNesting: number;
  /** Layer nodes after `repeat:` expansion (DYNAXX_MAX_LAYERS). */
  maxLayers: number;
}

export const DEFAULT_LIMITS: SpecLimits = {
  maxModelBytes: 4 * 1024 * 1024,
  maxModelJsonBytes: 32 * 1024 * 1024,
  maxAliasNodes: 10_000,
  maxNesting: 64,
  maxLayers: 100_000,
};

/** The environment variable that raises each limit. */
export const LIMIT_ENV: Record<keyof SpecLimits, string> = {
  maxModelBytes: 'DYNAXX_MAX_MODEL_BYTES',
  maxModelJsonBytes: 'DYNAXX_MAX_MODEL_JSON_BYTES',
  maxAliasNodes: 'DYNAXX_MAX_ALIAS_NODES',
  maxNesting: 'DYNAXX_MAX_NESTING',
  maxLayers: 'DYNAXX_MAX_LAYERS',
};

/** The defaults, with any limit raised (or lowered) by its environment variable; bad values are ignored. */
export function specLimits(env: Record<string, string | undefined> = process.env): SpecLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as (keyof SpecLimits)[]) {
    const v = Number(env[LIMIT_ENV[key]]);
    if (Number.isSafeInteger(v) && v > 0) out[key] = v;
  }
  return out;
}

/** "the limit is N; set DYNAXX_X to raise it", for messages. */
export function howToRaise(key: keyof SpecLimits, limits: SpecLimits): string {
  const unit = key.endsWith('Bytes') ? ' bytes' : '';
  return `the limit is ${limits[key].toLocaleString('en-US')}${unit}; set ${LIMIT_ENV[key]} to raise it`;
}

/** Whether `text` has more than `max` bytes in UTF-8 (without encoding it when the length decides). */
export function overBytes(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text, 'utf8') > max;
}

/**
 * Characters never printed raw, as the body of a regular-expression class: controls (NUL, escape), bidi overrides
 * (U+202E) and other invisible formatting. Names in model files may not contain them either.
 */
export const UNSAFE_CHARS = '\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff';
const UNSAFE = new RegExp(`[${UNSAFE_CHARS}]`, 'g');

/**
 * A value as messages show it: unsafe characters escaped (`\u202e`), at most `max` characters (the rest cut
 * with `…(N more)`), so an error never echoes a whole file or hides text direction tricks.
 */
export function quoteValue(value: string, max = 60): string {
  const cut = value.length > max ? `${value.slice(0, max)}…(${value.length - max} more characters)` : value;
  return cut.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
