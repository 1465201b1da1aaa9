/**
 * The one table of a GPU check (bench/gpu-check.sh): one row per part, read from `parts.jsonl` (what the script
 * ran, its exit code and time) and each part's JSON, with the detailed tables of the benchmarks above it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJsonLine } from './child';
import { e2eTables, type E2eReport } from './e2e';
import { overheadTables, type OverheadRow } from './overhead';
import { alignedTable, rate, textTable, type Row } from './report';

/** One line of parts.jsonl. */
export interface PartRecord {
  part: string;
  kind: 'backends' | 'bench' | 'e2e' | 'overhead' | 'train';
  /** The part's JSON, relative to the folder. */
  json: string;
  rc: number;
  seconds: number;
  limit: number;
  /** Not run: the check's time budget was spent. */
  skipped?: boolean;
}

function read<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch {
    return lastJsonLine<T>(text);
  }
}

function status(p: PartRecord): string {
  if (p.skipped) return 'skipped (no time left)';
  if (p.rc === 0) return 'ok';
  if (p.rc === 124 || p.rc === 137) return `timed out (${p.limit} s)`;
  return `failed (exit ${p.rc})`;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;

/** The part's result in one line, and its detailed table when it has one. */
function describe(p: PartRecord, dir: string): { line: string; table?: string } {
  const file = join(dir, p.json);
  if (p.kind === 'bench') {
    const r = read<{ rows: Row[]; torch: { torch?: string; missing?: string } }>(file);
    if (!r) return { line: 'no results file' };
    const ok = r.rows.filter((x) => !x.error);
    const ratios = ok.filter((x) => x.ratio !== undefined).map((x) => `${x.model} b${x.batch} ${x.ratio!.toFixed(2)}×`);
    const failed = r.rows.length - ok.length;
    const line = `${ok.length}/${r.rows.length} cases${failed ? ` (${failed} failed)` : ''}; ours/PyTorch ${ratios.join(', ') || (r.torch.missing ?? '–')}`;
    return { line, table: textTable(r.rows) };
  }
  if (p.kind === 'e2e') {
    const r = read<E2eReport>(file);
    if (!r) return { line: 'no results file' };
    const runs = r.runs.map((x) => (x.ok ? `${x.who} ${x.seconds!.toFixed(1)} s ${(x.testAccuracy! * 100).toFixed(1)}%` : `${x.who} failed`));
    return { line: [...runs, ...r.ratios.map((q) => `${q.what} ${q.seconds.toFixed(2)}×`)].join('; '), table: e2eTables(r).text };
  }
  if (p.kind === 'overhead') {
    const r = read<{ rows: OverheadRow[] }>(file);
    if (!r) return { line: 'no results file' };
    const parts = r.rows.filter((x) => x.variant !== 'plain').map((x) => `${x.variant} ${x.overhead === undefined ? 'failed' : pct(x.overhead)}`);
    const plain = r.rows.find((x) => x.variant === 'plain')?.result;
    return { line: `${plain ? `plain ${plain.msPerStep.toPrecision(3)} ms/step; ` : ''}${parts.join(', ')}`, table: overheadTables(r.rows).text };
  }
  if (p.kind === 'backends') {
    const b = read<{ backends: Array<{ name: string; available: boolean; device?: string; detail?: string }> }>(file);
    const gpu = b?.backends.find((x) => x.name === 'webgpu');
    return { line: gpu ? `webgpu: ${gpu.available ? gpu.device : `unavailable: ${gpu.detail}`}` : 'no JSON (see the log)' };
  }
  const s = read<Record<string, unknown>>(file);
  if (!s) return { line: p.skipped ? '–' : 'no JSON summary (see the log)' };
  const acc = typeof s.testAccuracy === 'number' ? `, test ${(s.testAccuracy * 100).toFixed(1)}%` : typeof s.valAccuracy === 'number' ? `, val ${(s.valAccuracy * 100).toFixed(1)}%` : '';
  const speed = typeof s.samplesPerSec === 'number' ? `, ${rate(s.samplesPerSec)} samples/s` : '';
  return { line: `${s.status} ${s.steps} steps in ${s.seconds} s on ${s.backend}${acc}${speed}${s.error ? `: ${String(s.error).slice(0, 200)}` : ''}` };
}

export function summarize(dir: string): string {
  const file = join(dir, 'parts.jsonl');
  if (!existsSync(file)) throw new Error(`${file} not found: --summarize needs the folder a GPU check wrote`);
  const parts = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as PartRecord);
  const described = parts.map((p) => ({ p, ...describe(p, dir) }));
  const tables = described.filter((d) => d.table).map((d) => `== ${d.p.part} ==\n${d.table}`);
  const body = described.map(({ p, line }) => [p.part, status(p), `${p.seconds.toFixed(0)}/${p.limit}`, line]);
  const total = parts.reduce((a, p) => a + p.seconds, 0);
  return `${tables.join('\n\n')}\n\n== GPU check: ${parts.filter((p) => p.rc === 0).length}/${parts.length} parts ok, ${total.toFixed(0)} s ==\n` +
    `${alignedTable(['part', 'status', 's/limit', 'result'], body, 4)}\n`;
}
