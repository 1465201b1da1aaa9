#!/usr/bin/env node
// `npm run bench:prune -- [--run <id>] [--epochs N] [--finetune-steps N] [--score-steps N] [--seeds N]`:
// the pruning evidence (seed 002) on Fashion-MNIST with examples/fashion-cnn.dynaxx.yaml: trains the CNN (or takes
// a completed run), runs `dynaxx prune` with routing, and prints the markdown tables for BENCHMARKS.md
// (accuracy per criterion and FLOP target, AGF against the best baseline, CPU speed-up, routing curve).
// JSON: bench/pruning/results.json. Needs `npm run build` first (uses bin/dynaxx).
//
// Over seeds: `--model FILE --train-seeds 42,43,44 [--targets 25,50,75,90] [--seeds 3] [--out FILE]` trains one model
// per training seed, sweeps each with `dynaxx prune --seeds N` (no routing) and writes
// bench/results/pruning-<name>-seeds-<date>.json (or --out): mean ± sd per criterion and target, paired differences,
// selection stability (bench/pruning/report.ts pruningSeedsMarkdown). `--runs a,b,c --from-reports` formats the
// stored sweeps of those runs instead (their training seeds in the same order as --train-seeds). `--schedule cubic`
// and `--criteria a,b` pass through to `dynaxx prune` (each sweep overwrites the run's reports/pareto.json). `--route`
// adds the confidence-routing sweep to each (`dynaxx prune --route`: the model file's `route:` or the defaults, whose
// target must be among --targets) and stores each run's reports/routing.json beside its sweep
// (bench/pruning/routing-seeds.ts routingSeedsMarkdown).
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
  'from-reports': { type: 'boolean' }, model: { type: 'string' }, 'train-seeds': { type: 'string' },
  targets: { type: 'string', default: '25,50,75,90' }, runs: { type: 'string' }, out: { type: 'string' },
  schedule: { type: 'string' }, criteria: { type: 'string' }, route: { type: 'boolean' },
} });
const cli = (args) => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'dynaxx'), ...args, '--runs-dir', o['runs-dir']], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  if (r.status !== 0) { process.stderr.write(r.stdout); process.exit(r.status ?? 1); }
  return r.stdout;
};
const t0 = Date.now();
if (o['train-seeds']) {
  await overSeeds();
  process.exit(0);
}
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

async function overSeeds() {
  const model = o.model ?? 'examples/fashion-cnn.dynaxx.yaml';
  const trainSeeds = o['train-seeds'].split(',').map(Number);
  const given = o.runs?.split(',');
  const runs = [];
  for (const [i, trainSeed] of trainSeeds.entries()) {
    let id = given?.[i];
    let trainTestAccuracy;
    if (!id) {
      const t = JSON.parse(cli(['train', model, '--epochs', o.epochs, '--seed', String(trainSeed), '--quiet', '--json']).trim().split('\n').pop());
      id = t.run;
      trainTestAccuracy = t.testAccuracy;
    } else {
      trainTestAccuracy = JSON.parse(readFileSync(join(o['runs-dir'], id, 'run.json'), 'utf8')).final?.testAccuracy;
    }
    if (!o['from-reports']) {
      cli(['prune', id, '--finetune-steps', o['finetune-steps'], '--score-steps', o['score-steps'], '--seeds', o.seeds, '--targets', o.targets,
        ...(o.schedule ? ['--schedule', o.schedule] : []), ...(o.criteria ? ['--criteria', o.criteria] : []), ...(o.route ? ['--route'] : []), '--quiet']);
    }
    // the stored reports, not stdout: a sweep's --json line passes 64 KiB and a pipe may cut it
    const report = (name) => JSON.parse(readFileSync(join(o['runs-dir'], id, 'reports', `${name}.json`), 'utf8'));
    runs.push({ trainSeed, run: id, trainTestAccuracy, sweep: report('pareto'), ...(o.route ? { routing: report('routing') } : {}) });
  }
  const { pruningSeedsMarkdown } = await tsImport('../bench/pruning/report.ts', import.meta.url);
  const first = runs[0].sweep.settings;
  const doc = {
    model, machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
    options: { epochs: Number(o.epochs), finetuneSteps: first.finetuneSteps, scoreSteps: first.scoreSteps, seeds: first.seeds, trainSeeds, schedule: first.schedule, scope: first.scope },
    ...(o['from-reports'] ? {} : { minutes: Number(((Date.now() - t0) / 60000).toFixed(1)) }), runs,
  };
  const name = model.split('/').pop().replace('.dynaxx.yaml', '');
  const arm = o.schedule ? `-${o.schedule}` : '';
  const out = o.out ?? join(root, 'bench', 'results', `pruning-${name}-seeds${arm}-${new Date().toISOString().slice(0, 10)}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify(doc, null, 1));
  const { routingSeedsMarkdown } = await tsImport('../bench/pruning/routing-seeds.ts', import.meta.url);
  process.stdout.write(`${runs[0].sweep.backend}; ${doc.minutes ?? 'stored sweeps'} min; ${out}\n${pruningSeedsMarkdown(doc)}\n${o.route ? `\n${routingSeedsMarkdown(doc)}\n` : ''}`);
}
