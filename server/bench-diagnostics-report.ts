/**
 * The language-server diagnostics benchmark's result file and its table (server/bench-diagnostics.ts writes the
 * file and prints the table; `npm run bench:tables` regenerates BENCHMARKS.md's copy from the file).
 */

export interface DiagnosticsRun {
  debounceMs: number;
  /** Milliseconds from didChange to the publishDiagnostics of that version, one per timed edit. */
  times: number[];
}

export interface DiagnosticsResultFile {
  date: string;
  machine: { host: string; cpu: string; cores: number; node: string };
  file: string;
  layerNodes: number;
  edits: number;
  server: string;
  runs: DiagnosticsRun[];
}

export const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/** The markdown table: per debounce the median, p90 and min; the default debounce also with the debounce taken off. */
export function diagnosticsTable(doc: DiagnosticsResultFile): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const row = (label: string, r: DiagnosticsRun, minus: number) =>
    `| ${label} | ${ms(quantile(r.times, 0.5) - minus)} | ${ms(quantile(r.times, 0.9) - minus)} | ${ms(Math.min(...r.times) - minus)} |`;
  const lines = ['| debounce | median | p90 | min |', '|---|---:|---:|---:|'];
  for (const r of doc.runs) {
    if (r.debounceMs === 0) lines.push(row('0 ms (server work and round trip)', r, 0));
    else {
      lines.push(row(`${r.debounceMs} ms (the default), total`, r, 0));
      lines.push(row(`${r.debounceMs} ms, minus the debounce`, r, r.debounceMs));
    }
  }
  return lines.join('\n');
}
