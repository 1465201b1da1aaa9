/**
 * Regenerates the marked tables of a markdown text from their result files: the new text, and per region whether
 * it changed (with a line diff) or could not be generated (unknown id, a missing or unreadable file, a render error).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRegions, regionBody, type Region } from './markers';
import { TABLES, type ResultFile, type TableGenerator } from './registry';

export interface RegionOutcome {
  region: Region;
  /** The region's text as the files say it should read; undefined when it could not be generated. */
  generated?: string;
  changed: boolean;
  /** `- doc` / `+ generated` lines, empty when unchanged. */
  diff: string[];
  problems: string[];
}

export interface Regeneration {
  text: string;
  outcomes: RegionOutcome[];
  /** Problems of the markers themselves, and registered tables no region uses. */
  problems: string[];
}

function readResult(root: string, path: string): ResultFile {
  const text = readFileSync(join(root, path), 'utf8');
  try {
    return { path, json: JSON.parse(text) };
  } catch (e) {
    throw new Error(`${path} is not JSON: ${(e as Error).message}`);
  }
}

function generate(region: Region, root: string, tables: TableGenerator[]): { generated?: string; problems: string[] } {
  const where = `line ${region.line}, table '${region.id}'`;
  const table = tables.find((t) => t.id === region.id);
  if (!table) return { problems: [`${where}: no such table in bench/tables/registry.ts (known: ${tables.map((t) => t.id).join(', ')})`] };
  const missing = region.files.filter((f) => !existsSync(join(root, f)));
  if (missing.length) return { problems: missing.map((f) => `${where}: result file ${f} does not exist`) };
  const want = table.files ?? 1;
  if (region.files.length !== want) return { problems: [`${where}: names ${region.files.length} file(s), the table takes ${want}`] };
  try {
    const files = region.files.map((f) => readResult(root, f));
    return { generated: regionBody(region.from, region.files, table.render(files)), problems: [] };
  } catch (e) {
    return { problems: [`${where}: ${(e as Error).message}`] };
  }
}

/** Lines only in `a` as "- …", only in `b` as "+ …", in order (longest common subsequence of lines). */
export function lineDiff(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const lcs = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) { i++; j++; continue; }
    if (j >= y.length || (i < x.length && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${x[i++]}`);
    else out.push(`+ ${y[j++]}`);
  }
  return out;
}

export interface RegenerateOptions {
  /** The registry (default: registry.ts's). */
  tables?: TableGenerator[];
  /** Every registered table must have a region in this text (true for BENCHMARKS.md itself). */
  requireAll?: boolean;
}

/** `root`: the repository, against which the markers' paths are read. */
export function regenerate(text: string, root: string, o: RegenerateOptions = {}): Regeneration {
  const tables = o.tables ?? TABLES;
  const { regions, problems } = findRegions(text);
  const outcomes = regions.map((region): RegionOutcome => {
    const { generated, problems: p } = generate(region, root, tables);
    const current = text.slice(region.start, region.end);
    const changed = generated !== undefined && generated !== current;
    return { region, generated, changed, diff: changed ? lineDiff(current, generated!) : [], problems: p };
  });
  for (const t of o.requireAll ? tables : []) {
    if (!regions.some((r) => r.id === t.id)) problems.push(`table '${t.id}' is registered but no region of the file uses it`);
  }
  let out = text;
  for (const o of [...outcomes].reverse()) {
    if (o.changed) out = out.slice(0, o.region.start) + o.generated! + out.slice(o.region.end);
  }
  return { text: out, outcomes, problems };
}

/** Everything --check reports: problems, then each changed region's diff. Empty when the file agrees with its result files. */
export function report(r: Regeneration, file: string): string[] {
  const lines = [...r.problems.map((p) => `${file}: ${p}`), ...r.outcomes.flatMap((o) => o.problems.map((p) => `${file}: ${p}`))];
  for (const o of r.outcomes.filter((x) => x.changed)) {
    lines.push(`${file}:${o.region.line}: table '${o.region.id}' differs from ${o.region.from} (- ${file}, + regenerated):`, ...o.diff.map((d) => `  ${d}`));
  }
  return lines;
}
