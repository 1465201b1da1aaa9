/**
 * Numeric CSV: one sample per line, an optional header row, one label column (by name or 0-based
 * index, default the last). Labels are integer class indices, or strings mapped to class ids in
 * sorted order (the mapping is kept in `tasks[0].labels` and shown in the dataset name).
 * The header is detected: the first row is a header when none of its feature fields is a number.
 */
import * as fs from 'node:fs';
import type { DataSpec } from '../../spec/types';
import { DataError, resolveDataPath } from './errors';
import type { LoadContext, RawData } from './loader';

interface Row { line: number; fields: string[]; cols: number[] }

function detectDelimiter(firstLine: string): string {
  if (firstLine.includes(',')) return ',';
  if (firstLine.includes('\t')) return '\t';
  if (firstLine.includes(';')) return ';';
  return ',';
}

/** Splits one line into fields (double quotes may wrap a field; `""` is a quote), with 1-based start columns. */
export function splitCsvLine(text: string, delim: string): { fields: string[]; cols: number[] } {
  const fields: string[] = [];
  const cols: number[] = [];
  let i = 0;
  for (;;) {
    cols.push(i + 1);
    let field = '';
    while (text[i] === ' ') i++;
    if (text[i] === '"') {
      i++;
      while (i < text.length) {
        if (text[i] === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        field += text[i++];
      }
      while (i < text.length && text[i] !== delim) i++;
    } else {
      const end = text.indexOf(delim, i);
      const stop = end < 0 ? text.length : end;
      field = text.slice(i, stop);
      i = stop;
    }
    fields.push(field.trim());
    if (i >= text.length) break;
    i++; // skip the delimiter
  }
  return { fields, cols };
}

function isNumber(s: string): boolean {
  return s.trim() !== '' && !Number.isNaN(Number(s));
}

function resolveLabelColumn(spec: DataSpec, header: string[] | undefined, width: number, file: string): number {
  const lc = spec.labelColumn;
  if (lc === undefined) return width - 1;
  if (typeof lc === 'number') {
    const idx = lc < 0 ? width + lc : lc;
    if (!Number.isInteger(lc) || idx < 0 || idx >= width) {
      throw new DataError(`${file}: data.labelColumn ${lc} is out of range; the file has ${width} columns (0..${width - 1}).`);
    }
    return idx;
  }
  if (header === undefined) {
    throw new DataError(
      `${file}: data.labelColumn '${lc}' names a column, but the file has no header row. ` +
        'Add a header row, or give the label column as a 0-based index.',
    );
  }
  const idx = header.indexOf(lc);
  if (idx < 0) {
    throw new DataError(`${file}: data.labelColumn '${lc}' is not a column; the header has: ${header.join(', ')}.`);
  }
  return idx;
}

/** Parses CSV text. `file` names the source in errors and in the dataset name. */
export function parseCsv(text: string, file: string, spec: DataSpec): RawData {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  const firstIdx = lines.findIndex((l) => l.trim() !== '');
  if (firstIdx < 0) throw new DataError(`${file}: the CSV file is empty.`);
  const delim = detectDelimiter(lines[firstIdx]);
  const rows: Row[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    rows.push({ line: i + 1, ...splitCsvLine(lines[i], delim) });
  }
  const width = rows[0].fields.length;
  if (width < 2) {
    throw new DataError(`${file}:${rows[0].line}:1: expected at least 2 columns (features and a label), found ${width}.`);
  }
  // Header detection needs the label column, which may need the header: settle the header on the
  // fields other than a numeric labelColumn (or the last column).
  const lcGuess = typeof spec.labelColumn === 'number' ? (spec.labelColumn < 0 ? width + spec.labelColumn : spec.labelColumn) : width - 1;
  const first = rows[0].fields;
  const headerLike =
    typeof spec.labelColumn === 'string'
      ? first.includes(spec.labelColumn) || first.every((f) => !isNumber(f))
      : first.every((f, j) => j === lcGuess || !isNumber(f));
  const header = headerLike ? first : undefined;
  const dataRows = headerLike ? rows.slice(1) : rows;
  if (dataRows.length === 0) throw new DataError(`${file}: the CSV file has a header but no data rows.`);
  const labelCol = resolveLabelColumn(spec, header, width, file);
  const colName = (j: number) => (header ? `'${header[j]}' (column ${j + 1})` : `column ${j + 1}`);

  const nFeatures = width - 1;
  const n = dataRows.length;
  const x = new Float32Array(n * nFeatures);
  const rawLabels: string[] = new Array(n);
  const lineOf = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const { line, fields, cols } = dataRows[r];
    lineOf[r] = line;
    if (fields.length !== width) {
      throw new DataError(
        `${file}:${line}:1: expected ${width} columns (as in line ${rows[0].line}), found ${fields.length}. ` +
          'Every row needs the same number of comma-separated values.',
      );
    }
    let k = r * nFeatures;
    for (let j = 0; j < width; j++) {
      const s = fields[j];
      if (j === labelCol) { rawLabels[r] = s; continue; }
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) {
        const what = s === '' ? 'is empty' : /^[+-]?(nan|inf(inity)?)$/i.test(s) ? `is '${s}', not a finite number` : `is '${s}', not a number`;
        throw new DataError(
          `${file}:${line}:${cols[j]}: value in ${colName(j)} ${what}. Feature columns must be numeric: ` +
            'fix or remove this row, encode categorical columns as numbers, or point data.labelColumn at the label column.',
        );
      }
      x[k++] = v;
    }
  }

  const labelName = header ? header[labelCol] : 'label';
  const numeric = rawLabels.every(isNumber);
  const y = new Int32Array(n);
  let classes: number;
  let labelNames: string[] | undefined;
  if (numeric) {
    let max = -1;
    for (let r = 0; r < n; r++) {
      const v = Number(rawLabels[r]);
      if (!Number.isInteger(v) || v < 0) {
        const { line, cols } = dataRows[r];
        throw new DataError(
          `${file}:${line}:${cols[labelCol]}: label '${rawLabels[r]}' in ${colName(labelCol)} is not a non-negative integer class index. ` +
            'Use class indices 0, 1, 2, … or class names.',
        );
      }
      y[r] = v;
      if (v > max) max = v;
    }
    classes = spec.classes ?? max + 1;
  } else {
    labelNames = [...new Set(rawLabels)].sort();
    const id = new Map(labelNames.map((l, i) => [l, i]));
    for (let r = 0; r < n; r++) y[r] = id.get(rawLabels[r])!;
    classes = labelNames.length;
  }
  const mapping = labelNames
    ? `; labels: ${labelNames.slice(0, 10).map((l, i) => `${l}=${i}`).join(', ')}${labelNames.length > 10 ? ', …' : ''}`
    : '';
  return {
    name: `csv (${file}${mapping})`,
    sampleShape: [nFeatures],
    tasks: [{ name: labelName, classes, ...(labelNames ? { labels: labelNames } : {}) }],
    train: { x, y, n, origin: file, locate: (s) => `line ${lineOf[s]}` },
    autoScale: 1,
  };
}

/** The `csv` source: `data.path` is the file. */
export function loadCsv(spec: DataSpec, ctx: LoadContext): RawData {
  if (spec.path === undefined) throw new DataError("data.source 'csv' needs data.path: the CSV file.");
  const file = resolveDataPath(spec.path, ctx.baseDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(
      code === 'ENOENT'
        ? `${file}: CSV file not found (data.path: '${spec.path}', resolved against ${ctx.baseDir}). Fix data.path.`
        : `${file}: cannot read the CSV file (${(e as Error).message}).`,
    );
  }
  return parseCsv(text, file, spec);
}
