/**
 * Benchmark (not a test): time from `textDocument/didChange` to the `publishDiagnostics` for that version, on
 * the 1000-block examples/deep-residual.dynaxx.yaml, through a spawned server over JSON-RPC. Runs once with
 * `debounceMs: 0` (the server's own work plus the round trip) and once with the default debounce (what the
 * user sees). Usage: node --import tsx server/bench-diagnostics.ts [--bundled] [--edits N] [--out FILE]
 * Writes bench/results/ls-diagnostics-<host>-<date>.json (or --out) and prints the table BENCHMARKS.md shows.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { loadModelFile } from '../spec/parse';
import { walkLayers } from '../spec/walk';
import { diagnosticsTable, type DiagnosticsResultFile, type DiagnosticsRun } from './bench-diagnostics-report';
import { DEFAULT_OPTIONS } from './options';
import { ROOT, TestClient } from './test-client';

const args = process.argv.slice(2);
const bundled = args.includes('--bundled');
const edits = Number(args[args.indexOf('--edits') + 1]) || 30;
const outArg = args.indexOf('--out');
const FILE = join(ROOT, 'examples', 'deep-residual.dynaxx.yaml');

type Result = DiagnosticsRun;

async function measure(debounceMs: number): Promise<Result> {
  const client = await TestClient.start({ debounceMs, bundled });
  try {
    const text = readFileSync(FILE, 'utf8');
    const uri = await client.open(FILE, text);
    await client.waitForDiagnostics(uri);
    const times: number[] = [];
    for (let i = 0; i < edits + 5; i++) {
      // a real edit each time: the epoch count changes, the whole model is parsed and expanded again
      const from = client.published.length;
      const t0 = performance.now();
      const version = await client.change(uri, text.replace('epochs: 3', `epochs: ${i + 4}`));
      const p = await client.waitForDiagnostics(uri, (_, params) => params.version === version, from);
      if (i >= 5) times.push(p.at - t0); // the first five warm the JIT
    }
    return { debounceMs, times };
  } finally {
    await client.stop();
  }
}

async function main(): Promise<void> {
  const fast = await measure(0);
  const real = await measure(DEFAULT_OPTIONS.debounceMs);
  const date = new Date().toISOString().slice(0, 10);
  const doc: DiagnosticsResultFile = {
    date,
    machine: { host: hostname(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    file: FILE.replace(`${ROOT}/`, ''),
    layerNodes: [...walkLayers(loadModelFile(FILE).layers)].length,
    edits,
    server: bundled ? 'dist/server.js' : 'server/main.ts via tsx',
    runs: [fast, real],
  };
  const out = outArg >= 0 ? args[outArg + 1]! : join(ROOT, 'bench', 'results', `ls-diagnostics-${doc.machine.host}-${date}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
  console.log(`didChange -> publishDiagnostics, ${doc.file} (${doc.layerNodes} layer nodes), ${edits} edits, ${doc.server}, node ${process.version}`);
  console.log(diagnosticsTable(doc));
  console.log(`results: ${out}`);
}

void main();
