#!/usr/bin/env node
// `npm run bench:prune -- [--run <id>] [--epochs N] [--finetune-steps N] [--score-steps N] [--seeds N]`:
// the pruning evidence (seed 002) on Fashion-MNIST with examples/fashion-cnn.dynaxx.yaml: trains the CNN (or takes
// a completed run), runs `dynaxx prune` with routing, and prints the markdown tables for BENCHMARKS.md
// (accuracy per criterion and FLOP target, AGF against the best baseline, CPU speed-up, routing curve).
// JSON: bench/pruning/results.json. Needs `npm run build` first (uses bin/dynaxx).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const { values: o } = parseArgs({ options: {
  run: { type: 'string' }, epochs: { type: 'string', default: '2' }, 'finetune-steps': { type: 'string', default: '100' },
  'score-steps': { type: 'string', default: '50' }, seeds: { type: 'string', default: '1' }, 'runs-dir': { type: 'string', default: join(root, '.dynaxx', 'bench-runs') },
  'from-reports': { type: 'boolean' },
} });
const cli = (args) => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'dynaxx'), ...args, '--runs-dir', o['runs-dir']], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  if (r.status !== 0) { process.stderr.write(r.stdout); process.exit(r.status ?? 1); }
  return r.stdout;
};
const t0 = Date.now();
let run = o.run;
if (!run) run = JSON.parse(cli(['train', 'examples/fashion-cnn.dynaxx.yaml', '--epochs', o.epochs, '--quiet', '--json']).trim().split('\n').pop()).run;
// --from-reports: format the stored reports of `--run` (a sweep already done) instead of running it again
const stored = (name) => JSON.parse(readFileSync(join(o['runs-dir'], run, 'reports', `${name}.json`), 'utf8'));
const out = o['from-reports']
  ? { runId: run, sweep: stored('pareto'), routing: stored('routing') }
  : JSON.parse(cli(['prune', run, '--finetune-steps', o['finetune-steps'], '--score-steps', o['score-steps'], '--seeds', o.seeds, '--route', '--json']).trim().split('\n').pop());
const s = out.sweep;
const r = out.routing;
// the tables' one formatter, shared with `npm run bench:tables` (bench/tables) that regenerates BENCHMARKS.md's copy
const { pruningMarkdown } = await tsImport('../bench/pruning/report.ts', import.meta.url);
const lines = [`${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores), node ${process.version}, backend ${s.backend}; ${((Date.now() - t0) / 60000).toFixed(1)} min`, pruningMarkdown(s, r)];
mkdirSync(join(root, 'bench', 'pruning'), { recursive: true });
writeFileSync(join(root, 'bench', 'pruning', 'results.json'), JSON.stringify({ run: out.runId, machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version }, sweep: s, routing: r }, null, 1));
process.stdout.write(`${lines.join('\n')}\n`);
