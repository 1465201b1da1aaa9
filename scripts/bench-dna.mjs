#!/usr/bin/env node
// `npm run bench:dna -- [--patch 7] [--limit 20000 (0 = all 54 000)] [--epochs 2] [--text-epochs 30] [--only fashion|text] [--out FILE]`:
// the evidence for distributed neural architectures (seed 003). Fashion-MNIST patches: the dense transformer
// (examples/fashion-vit), the top-k MoE (examples/fashion-moe) and DNA top-1 / top-2 (examples/fashion-dna) at two or
// more compute-loss weights, all with the same patches, width and depth, trained with the same budget on one machine;
// accuracy and average FLOPs per patch (dense: the static count; routed: measured on the test split, reports/dna.json).
// Text (examples/char-dna on the GPL-3 licence text): test loss against FLOPs per character for the dense
// transformer and DNA at two compute weights. Prints the markdown for BENCHMARKS.md; JSON in bench/dna/results.json.
// Needs `npm run build` first (uses bin/dynaxx).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const { values: o } = parseArgs({ options: {
  patch: { type: 'string', default: '7' }, limit: { type: 'string', default: '20000' }, epochs: { type: 'string', default: '2' },
  'text-epochs': { type: 'string', default: '30' }, only: { type: 'string' }, backend: { type: 'string', default: 'auto' },
  'runs-dir': { type: 'string', default: join(root, '.dynaxx', 'bench-runs') }, out: { type: 'string', default: join(root, 'bench', 'dna', 'results.json') },
} });
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
  const out = JSON.parse(cli(['train', file, ...args, '--backend', o.backend, '--quiet', '--json']).trim().split('\n').pop());
  const spec = JSON.parse(readFileSync(join(out.runDir, 'spec.json'), 'utf8'));
  let report;
  try { report = JSON.parse(readFileSync(join(out.runDir, 'reports', 'dna.json'), 'utf8')); } catch { report = undefined; }
  const tokens = report?.tokensPerSample ?? spec.layers.find((l) => l.type === 'patchEmbed' || l.type === 'embedding').outputShape[0];
  const flopsPerSample = report?.flopsPerSample ?? spec.flops;
  const layer = report?.layers.find((l) => l.modules.some((m) => m.kind === 'identity')) ?? report?.layers[0];
  const r = {
    label, run: out.run, params: spec.params, testAccuracy: out.testAccuracy, testLoss: out.testLoss, tokens,
    flopsPerSample, flopsPerToken: flopsPerSample / tokens, staticFlopsPerSample: spec.flops, minutes: (Date.now() - started) / 60000,
    skip: layer ? layer.trained.usage.reduce((s, hop) => s + hop.reduce((a, u, m) => a + (layer.modules[m].kind === 'identity' ? u : 0), 0), 0) / layer.hops : undefined,
    dropped: layer ? layer.trained.dropped.reduce((a, b) => a + b, 0) / layer.hops : undefined,
    powerLaw: layer?.trained.powerLaw?.exponent, powerLawRandom: layer?.random.powerLaw?.exponent,
    distinct: layer?.trained.distinctPaths, distinctRandom: layer?.random.distinctPaths,
    nmiClass: layer?.trained.associations.find((a) => a.by === 'class')?.nmiAdjusted,
    nmiClassRandom: layer?.random.associations.find((a) => a.by === 'class')?.nmiAdjusted,
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
  const args = ['--epochs', o.epochs, '--limit', o.limit];
  const dense = train('dense transformer', variant('fashion-vit', 'bench-vit', [patch]), args);
  train('MoE top-2 (4 experts)', variant('fashion-moe', 'bench-moe', [patch]), args);
  for (const [k, cw] of [[1, 0], [1, 0.1], [1, 0.3], [1, 1], [2, 0.3]]) {
    train(`DNA top-${k}, compute ${cw}`, variant('fashion-dna', `bench-dna-k${k}-c${cw}`, [patch, [/k: 1/, `k: ${k}`], [/computeWeight: [0-9.]+/, `computeWeight: ${cw}`]]), args);
  }
  lines.push('', `Fashion-MNIST, ${o.patch}x${o.patch} patches (${dense.tokens} per image), width 48, ${o.epochs} epochs on ${o.limit === '0' ? 'all' : o.limit} training images, test split (10 000 images):`, '');
  lines.push(fashionTable(results), '', targetLine(results));
}
if (o.only !== 'fashion') {
  const first = results.length;
  const args = ['--epochs', o['text-epochs']];
  const denseText = variant('char-dna', 'bench-char-dense', [[/    - type: dna\n(      .*\n)+/, '    - { type: transformer, name: block0, heads: 4, mlpRatio: 2, causal: true }\n    - { type: transformer, name: block1, heads: 4, mlpRatio: 2, causal: true }\n']]);
  train('char: dense transformer', denseText, args);
  for (const cw of [0, 0.1, 0.3]) train(`char: DNA top-1, compute ${cw}`, variant('char-dna', `bench-char-dna-c${cw}`, [[/computeWeight: [0-9.]+/, `computeWeight: ${cw}`]]), args);
  lines.push('', `Character LM on /usr/share/common-licenses/GPL-3 (64 characters of context, next character at every position, last 10% held out), ${o['text-epochs']} epochs:`, '');
  lines.push(textTable(results.slice(first)));
}
lines.push('', `Total ${((Date.now() - t0) / 60000).toFixed(1)} min.`);
mkdirSync(join(root, 'bench', 'dna'), { recursive: true });
writeFileSync(o.out, JSON.stringify({ machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version }, options: o, results }, null, 1));
process.stdout.write(`${lines.join('\n')}\n`);
