/**
 * Benchmark (not a test): time from `textDocument/didChange` to the `publishDiagnostics` for that version, on
 * the 1000-block examples/deep-residual.dynaxx.yaml, through a spawned server over JSON-RPC. Runs once with
 * `debounceMs: 0` (the server's own work plus the round trip) and once with the default debounce (what the
 * user sees). Usage: node --import tsx server/bench-diagnostics.ts [--bundled] [--edits N]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_OPTIONS } from './options';
import { ROOT, TestClient } from './test-client';

const args = process.argv.slice(2);
const bundled = args.includes('--bundled');
const edits = Number(args[args.indexOf('--edits') + 1]) || 30;
const FILE = join(ROOT, 'examples', 'deep-residual.dynaxx.yaml');

interface Result { debounceMs: number; times: number[] }

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

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function main(): Promise<void> {
  const fast = await measure(0);
  const real = await measure(DEFAULT_OPTIONS.debounceMs);
  report(fast, real);
}

function report(fast: Result, real: Result): void {
  const line = (r: Result, minus: number): string =>
    `median ${(quantile(r.times, 0.5) - minus).toFixed(1)} ms, p90 ${(quantile(r.times, 0.9) - minus).toFixed(1)} ms, min ${(Math.min(...r.times) - minus).toFixed(1)} ms`;

  console.log(`didChange -> publishDiagnostics, ${FILE.replace(`${ROOT}/`, '')} (3003 layer nodes), ${edits} edits, ${bundled ? 'dist/server.js' : 'server/main.ts via tsx'}, node ${process.version}`);
  console.log(`  debounce 0 ms (server work + round trip):  ${line(fast, 0)}`);
  console.log(`  debounce ${real.debounceMs} ms, total:                ${line(real, 0)}`);
  console.log(`  debounce ${real.debounceMs} ms, minus the debounce:   ${line(real, real.debounceMs)}`);
}

void main();
