#!/usr/bin/env node
// `npm run bench:dna -- [--patch 7] [--limit 20000 (0 = all 54 000)] [--epochs 2] [--text-epochs 30] [--only fashion|text]
// [--seed N] [--arms dense,moe,dna-k1-c0.1,...] [--out FILE]`:
// the evidence for distributed neural architectures (seed 003). Fashion-MNIST patches: the dense transformer
// (examples/fashion-vit), the top-k MoE (examples/fashion-moe) and DNA top-1 / top-2 (examples/fashion-dna) at two or
// more compute-loss weights, all with the same patches, width and depth, trained with the same budget on one machine;
// accuracy and average FLOPs per patch (dense: the static count; routed: measured on the test split, reports/dna.json).
// Text (examples/char-dna on the GPL-3 licence text): test loss against FLOPs per character for the dense
// transformer and DNA at two compute weights. Prints the markdown for BENCHMARKS.md; JSON in bench/dna/results.json, or
// with --seed N (train.seed of every arm; the examples' own is 42) in bench/results/dna-<only>-seed<N>-<date>.json.
// --arms keeps a subset: dense, moe, dna-k<k>-c<weight> (fashion), char-dense, char-dna-c<weight> (text).
// Needs `npm run build` first (uses bin/dynaxx).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const { values: o } = parseArgs({ options: {
  patch: { type: 'string', default: '7' }, limit: { type: 'string', default: '20000' }, epochs: { type: 'string', default: '2' },
  'text-epochs': { type: 'string', default: '30' }, only: { type: 'string' }, backend: { type: 'string', default: 'auto' },
  'runs-dir': { type: 'string', default: join(root, '.dynaxx', 'bench-runs') }, out: { type: 'string' }, seed: { type: 'string' }, arms: { type: 'string' },
} });
if (o.seed !== undefined && !/^\d+$/.test(o.seed)) throw new Error(`--seed ${o.seed}: expected a non-negative integer`);
o.out ??= o.seed === undefined ? join(root, 'bench', 'dna', 'results.json')
  : join(root, 'bench', 'results', `dna-${o.only ?? 'all'}-seed${o.seed}-${new Date().toISOString().slice(0, 10)}.json`);
const arms = o.arms?.split(',').map((a) => a.trim()).filter(Boolean);
const ARMS = ['dense', 'moe', 'dna-k1-c0', 'dna-k1-c0.1', 'dna-k1-c0.3', 'dna-k1-c1', 'dna-k2-c0.3', 'char-dense', 'char-dna-c0', 'char-dna-c0.1', 'char-dna-c0.3'];
for (const a of arms ?? []) if (!ARMS.includes(a)) throw new Error(`--arms: unknown arm ${a} (one of ${ARMS.join(', ')})`);
// the tables compare every arm with the dense model of its task, which therefore has to run
for (const [dense, task] of [['dense', (a) => !a.startsWith('char-')], ['char-dense', (a) => a.startsWith('char-')]]) {
  if (arms?.some(task) && !arms.includes(dense)) throw new Error(`--arms: ${dense} is needed as the reference of ${arms.filter(task).join(', ')}`);
}
/** Whether the arm with this id runs (all of them without --arms). */
const wanted = (id) => !arms || arms.includes(id);
const work = join(root, '.dynaxx', 'bench-dna');
mkdirSync(work, { recursive: true });
const cli = (args) => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'dynaxx'), ...args, '--runs-dir', o['runs-dir']], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  if (r.status !== 0) { process.stderr.write(r.stdout); process.exit(r.status ?? 1); }
  return r.stdout;
};
/** An example with substitutions (regexp → replacement), written under .dynaxx/bench-dna. */
const variant = (example, name, subs) => {
  let text = readFileSync(join(root, 'examples', `${example}.dynaxx.yaml`), 'utf8');
  for (const [re, to] of subs) {
    if (!re.test(text)) throw new Error(`${example}: ${re} not found`);
    text = text.replace(re, to);
  }
  text = text.replace(/^name: .*$/m, `name: ${name}`);
  const file = join(work, `${name}.dynaxx.yaml`);
  writeFileSync(file, text);
  return file;
};
const t0 = Date.now();
const results = [];
/** Trains a file; FLOPs per token from the static count (dense) or the run's routing report (dna, moe). */
const train = (label, file, args) => {
  const started = Date.now();
  const seed = o.seed === undefined ? [] : ['--seed', o.seed];
  const out = JSON.parse(cli(['train', file, ...args, ...seed, '--backend', o.backend, '--quiet', '--json']).trim().split('\n').pop());
  const spec = JSON.parse(readFileSync(join(out.runDir, 'spec.json'), 'utf8'));
  let report;
  try { report = JSON.parse(readFileSync(join(out.runDir, 'reports', 'dna.json'), 'utf8')); } catch { report = undefined; }
  const tokens = report?.tokensPerSample ?? spec.layers.find((l) => l.type === 'patchEmbed' || l.type === 'embedding').outputShape[0];
  const flopsPerSample = report?.flopsPerSample ?? spec.flops;
  const layer = report?.layers.find((l) => l.modules.some((m) => m.kind === 'identity')) ?? report?.layers[0];
  const run = JSON.parse(readFileSync(join(out.runDir, 'run.json'), 'utf8'));
  // training throughput: the median of the logged train records (the last one of an epoch is partial)
  const rates = readFileSync(join(out.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((m) => m.split === 'train' && m.samplesPerSec > 0).map((m) => m.samplesPerSec).sort((a, b) => a - b);
  const r = {
    label, run: out.run, seed: spec.train?.seed ?? (o.seed === undefined ? undefined : Number(o.seed)), backend: run.backend,
    samplesPerSec: rates.length ? rates[rates.length >> 1] : undefined, params: spec.params, testAccuracy: out.testAccuracy, testLoss: out.testLoss, tokens,
    flopsPerSample, flopsPerToken: flopsPerSample / tokens, staticFlopsPerSample: spec.flops, minutes: (Date.now() - started) / 60000,
    skip: layer ? layer.trained.usage.reduce((s, hop) => s + hop.reduce((a, u, m) => a + (layer.modules[m].kind === 'identity' ? u : 0), 0), 0) / layer.hops : undefined,
    dropped: layer ? layer.trained.dropped.reduce((a, b) => a + b, 0) / layer.hops : undefined,
    powerLaw: layer?.trained.powerLaw?.exponent, powerLawRandom: layer?.random.powerLaw?.exponent,
    distinct: layer?.trained.distinctPaths, distinctRandom: layer?.random.distinctPaths,
    nmiClass: layer?.trained.associations.find((a) => a.by === 'class')?.nmiAdjusted,
    nmiClassRandom: layer?.random.associations.find((a) => a.by === 'class')?.nmiAdjusted,
    entropyBits: layer?.trained.entropyBits, entropyBitsRandom: layer?.random.entropyBits, maxEntropyBits: layer?.trained.maxEntropyBits,
  };
  results.push(r);
  process.stderr.write(`${label}: ${JSON.stringify(r)}\n`);
  return r;
};

// the tables' one formatter, shared with `npm run bench:tables` (bench/tables) that regenerates BENCHMARKS.md's copies
const { fashionTable, targetLine, textTable } = await tsImport('../bench/dna/report.ts', import.meta.url);
const lines = [`${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores), node ${process.version}, backend ${o.backend}`];
if (o.only !== 'text') {
  const patch = [/patch: 4/, `patch: ${o.patch}`];
  // --limit 0: all training images, i.e. no limit (the CLI takes positive limits only)
  const args = ['--epochs', o.epochs, ...(o.limit === '0' ? [] : ['--limit', o.limit])];
  if (wanted('dense')) train('dense transformer', variant('fashion-vit', 'bench-vit', [patch]), args);
  if (wanted('moe')) train('MoE top-2 (4 experts)', variant('fashion-moe', 'bench-moe', [patch]), args);
  for (const [k, cw] of [[1, 0], [1, 0.1], [1, 0.3], [1, 1], [2, 0.3]]) {
    if (wanted(`dna-k${k}-c${cw}`)) train(`DNA top-${k}, compute ${cw}`, variant('fashion-dna', `bench-dna-k${k}-c${cw}`, [patch, [/k: 1/, `k: ${k}`], [/computeWeight: [0-9.]+/, `computeWeight: ${cw}`]]), args);
  }
  lines.push('', `Fashion-MNIST, ${o.patch}x${o.patch} patches (${results[0]?.tokens} per image), width 48, ${o.epochs} epochs on ${o.limit === '0' ? 'all' : o.limit} training images, test split (10 000 images):`, '');
  lines.push(fashionTable(results), '', targetLine(results));
}
if (o.only !== 'fashion') {
  const first = results.length;
  const args = ['--epochs', o['text-epochs']];
  const denseText = variant('char-dna', 'bench-char-dense', [[/    - type: dna\n(      .*\n)+/, '    - { type: transformer, name: block0, heads: 4, mlpRatio: 2, causal: true }\n    - { type: transformer, name: block1, heads: 4, mlpRatio: 2, causal: true }\n']]);
  if (wanted('char-dense')) train('char: dense transformer', denseText, args);
  for (const cw of [0, 0.1, 0.3]) if (wanted(`char-dna-c${cw}`)) train(`char: DNA top-1, compute ${cw}`, variant('char-dna', `bench-char-dna-c${cw}`, [[/computeWeight: [0-9.]+/, `computeWeight: ${cw}`]]), args);
  lines.push('', `Character LM on /usr/share/common-licenses/GPL-3 (64 characters of context, next character at every position, last 10% held out), ${o['text-epochs']} epochs:`, '');
  lines.push(textTable(results.slice(first)));
}
lines.push('', `Total ${((Date.now() - t0) / 60000).toFixed(1)} min.`);
mkdirSync(dirname(o.out), { recursive: true });
writeFileSync(o.out, JSON.stringify({ machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version }, options: o, results }, null, 1));
process.stdout.write(`${lines.join('\n')}\n`);
