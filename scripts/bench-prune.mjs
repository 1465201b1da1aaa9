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
const pct = (x) => `${(100 * x).toFixed(1)}`;
const lines = [];
lines.push(`${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores), node ${process.version}, backend ${s.backend}; ${((Date.now() - t0) / 60000).toFixed(1)} min`);
lines.push(`dense reference: ${s.dense.flops} FLOPs, ${s.dense.params} params, accuracy ${pct(s.dense.accuracyMean)}% (${s.split}), ${s.dense.latencyMs.toFixed(1)} ms per batch of ${s.settings.latencyBatch}`);
lines.push('', `| criterion | ${s.settings.targets.map((t) => `−${t}% FLOPs: accuracy (speed-up)`).join(' | ')} |`, `| --- | ${s.settings.targets.map(() => '---:').join(' | ')} |`);
const at = (c, t) => s.points.filter((p) => p.criterion === c && p.target === t);
const avg = (ps, k) => ps.reduce((a, p) => a + p[k], 0) / Math.max(1, ps.length);
for (const c of s.settings.criteria) lines.push(`| ${c} | ${s.settings.targets.map((t) => `${pct(avg(at(c, t), 'accuracyMean'))}% (${avg(at(c, t), 'speedup').toFixed(2)}×)`).join(' | ')} |`);
lines.push('', '| target | AGF | best other criterion | AGF − best | random | traditional (l1, l2, wanda, ria, obd) below random |', '| --- | ---: | --- | ---: | ---: | --- |');
for (const t of s.settings.targets) {
  const agf = avg(at('agf', t), 'accuracyMean');
  const others = s.settings.criteria.filter((c) => c !== 'agf').map((c) => ({ c, a: avg(at(c, t), 'accuracyMean') })).sort((x, y) => y.a - x.a);
  const rnd = avg(at('random', t), 'accuracyMean');
  const below = ['l1', 'l2', 'wanda', 'ria', 'obd'].filter((c) => s.settings.criteria.includes(c) && avg(at(c, t), 'accuracyMean') < rnd);
  lines.push(`| −${t}% | ${pct(agf)}% | ${others[0].c} ${pct(others[0].a)}% | ${(100 * (agf - others[0].a)).toFixed(1)} pt | ${pct(rnd)}% | ${below.length ? below.join(', ') : 'none'} |`);
}
const pts50 = s.points.filter((p) => p.target === 50);
if (pts50.length) lines.push('', `At −50% FLOPs: ${Math.min(...pts50.map((p) => p.params))}–${Math.max(...pts50.map((p) => p.params))} params (dense ${s.dense.params}), CPU speed-up ${Math.min(...pts50.map((p) => p.speedup)).toFixed(2)}–${Math.max(...pts50.map((p) => p.speedup)).toFixed(2)}× (median of 10 batches of ${s.settings.latencyBatch}, side by side with the dense model).`);
if (Object.keys(s.stability).length) {
  lines.push('', `| Jaccard across seeds | ${s.settings.targets.map((t) => `−${t}%`).join(' | ')} |`, `| --- | ${s.settings.targets.map(() => '---:').join(' | ')} |`);
  for (const c of s.settings.criteria) lines.push(`| ${c} | ${s.settings.targets.map((t) => (s.stability[c]?.[String(t)] ?? NaN).toFixed(3)).join(' | ')} |`);
}
const r = out.routing;
if (r) {
  lines.push('', `Routing: ${r.criterion} −${r.target}% expert (cost ${r.prunedCost.toFixed(3)}), signal ${r.signal}; pruned ${pct(r.accuracyPruned)}%, full ${pct(r.accuracyFull)}%.`, '', '| threshold | to the full expert | expected cost | accuracy |', '| ---: | ---: | ---: | ---: |');
  for (const p of r.points) lines.push(`| ${p.threshold.toFixed(4)} | ${pct(p.shareFull)}% | ${p.expectedCost.toFixed(3)} | ${pct(p.accuracy)}% |`);
  if (r.noLoss) lines.push('', `No-loss point: ${pct(r.noLoss.shareFull)}% to the full expert, expected cost ${r.noLoss.expectedCost.toFixed(3)}, accuracy ${pct(r.noLoss.accuracy)}% (full ${pct(r.accuracyFull)}%).`);
}
mkdirSync(join(root, 'bench', 'pruning'), { recursive: true });
writeFileSync(join(root, 'bench', 'pruning', 'results.json'), JSON.stringify({ run: out.runId, machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version }, sweep: s, routing: r }, null, 1));
process.stdout.write(`${lines.join('\n')}\n`);
