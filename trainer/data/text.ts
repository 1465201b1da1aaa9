/**
 * The `text` source: character-level language modelling on a UTF-8 file the user points to.
 *
 * - Vocabulary: the distinct characters (Unicode code points) of the whole file, sorted by code
 *   point; token id i stands for `vocabulary[i]`.
 * - Splits: the last `testFraction` (default 0.1) of the characters is the test split, held-out
 *   text; the rest is training, from which `data.validation` later draws a random validation split.
 * - Samples: non-overlapping windows of context+1 characters with stride `context` (T). x holds the
 *   ids of characters 0..T-1 as floats (like the synthetic `sequence` source, for an `embedding`);
 *   y the ids of characters 1..T, one task `next-char` with `positions` T and V classes. The model
 *   thus predicts the next character at every position: its output is [T, V] (or T·V).
 */
import * as fs from 'node:fs';
import { TEXT_DEFAULTS } from '../../spec/data-spec';
import type { DataSpec } from '../../spec/types';
import { DataError, resolveDataPath } from './errors';
import type { LoadContext, RawData, RawSplit } from './loader';


const NAMED: Record<string, string> = { ' ': '␣', '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/** A printable name for a character: `␣` for space, `\n` for newline, `U+0007` for other control characters. */
export function charName(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.codePointAt(0)!;
  return code < 0x20 || (code >= 0x7f && code < 0xa0) ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : c;
}

/** The sorted distinct characters of `text` and the text as token ids into them. */
export function encodeText(text: string): { vocabulary: string[]; ids: Int32Array } {
  const codes: number[] = [];
  for (const ch of text) codes.push(ch.codePointAt(0)!);
  const distinct = [...new Set(codes)].sort((a, b) => a - b);
  const index = new Map(distinct.map((c, i) => [c, i]));
  const ids = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) ids[i] = index.get(codes[i])!;
  return { vocabulary: distinct.map((c) => String.fromCodePoint(c)), ids };
}

/**
 * Windows over `ids` (a slice of the file starting at character `start`): sample i reads characters
 * i·T .. i·T+T-1 and is labelled with characters i·T+1 .. i·T+T.
 */
export function textWindows(ids: Int32Array, context: number, origin: string, start = 0): RawSplit {
  const T = context;
  const n = ids.length > T ? Math.floor((ids.length - 1) / T) : 0;
  const x = new Float32Array(n * T);
  const y = new Int32Array(n * T);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < T; p++) {
      x[i * T + p] = ids[i * T + p];
      y[i * T + p] = ids[i * T + p + 1];
    }
  }
  return { x, y, n, origin, locate: (i) => `characters ${start + i * T}..${start + i * T + T}` };
}

function readText(file: string, given: string, baseDir: string): string {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(
      code === 'ENOENT'
        ? `${file}: text file not found (data.path: '${given}', resolved against ${baseDir}). Point data.path at a UTF-8 text file.`
        : code === 'EISDIR'
          ? `${file} is a directory; data.path of a text source must name a UTF-8 text file.`
          : `${file}: cannot read the text file (${(e as Error).message}).`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new DataError(`${file}: not valid UTF-8 text. Save the file as UTF-8 (data.source: text reads characters, not bytes).`);
  }
}

function checkOptions(spec: DataSpec): { context: number; testFraction: number } {
  const context = spec.context ?? TEXT_DEFAULTS.context;
  const testFraction = spec.testFraction ?? TEXT_DEFAULTS.testFraction;
  if (!Number.isInteger(context) || context < 2) {
    throw new DataError(`data.context must be an integer ≥ 2 (characters of context per sample), got ${context}.`);
  }
  if (typeof testFraction !== 'number' || !(testFraction >= 0 && testFraction < 1)) {
    throw new DataError(`data.testFraction must be a fraction in [0, 1), got ${testFraction}.`);
  }
  if (spec.normalize !== 'auto' && spec.normalize !== 1) {
    throw new DataError(`data.normalize is ${spec.normalize}, but text inputs are character ids that must stay whole; leave data.normalize out.`);
  }
  return { context, testFraction };
}

/** The `text` source: `data.path` is the file, `data.context` the characters per sample. */
export function loadText(spec: DataSpec, ctx: LoadContext): RawData {
  if (spec.path === undefined) throw new DataError("data.source 'text' needs data.path: the UTF-8 text file to model.");
  const { context: T, testFraction } = checkOptions(spec);
  const file = resolveDataPath(spec.path, ctx.baseDir);
  const text = readText(file, spec.path, ctx.baseDir);
  if (text.length === 0) throw new DataError(`${file} is empty; data.source: text needs a text file with more than data.context (${T}) characters.`);
  const { vocabulary, ids } = encodeText(text);
  const N = ids.length;
  const nTest = Math.round(N * testFraction);
  const nTrain = N - nTest;
  if (nTrain < T + 1) {
    const held = nTest > 0 ? ` after holding out the last ${nTest} for testing (data.testFraction ${testFraction})` : '';
    throw new DataError(
      `${file}: ${N} characters, ${nTrain} for training${held}: too short for one sample of data.context + 1 = ${T + 1} characters. ` +
        'Use a longer text or a smaller data.context.',
    );
  }
  if (nTest > 0 && nTest < T + 1) {
    throw new DataError(
      `${file}: the held-out test text (the last ${nTest} of ${N} characters, data.testFraction ${testFraction}) is shorter than one sample ` +
        `of data.context + 1 = ${T + 1} characters. Use a longer text, a smaller data.context, a larger data.testFraction, or testFraction: 0 for no test split.`,
    );
  }
  const raw: RawData = {
    name: `text (${file})`,
    sampleShape: [T],
    tasks: [{ name: TEXT_DEFAULTS.task, classes: vocabulary.length, positions: T, labels: vocabulary.map(charName) }],
    train: textWindows(ids.subarray(0, nTrain), T, file),
    autoScale: 1,
    vocabulary,
  };
  if (nTest > 0) raw.test = textWindows(ids.subarray(nTrain), T, file, nTrain);
  return raw;
}
