/**
 * `npm run bench:stability`: the evidence for stable ultra-deep training (issues 4 and 16). The same
 * unnormalized deep residual network (bench/stability/models.ts) at several depths, trained through the real
 * session once per arm and seed: the baseline, `stabilize: auto`, the controls a reader expects (fixed α,
 * ReZero, DeepNorm-style, pre-LN with Adam and clipping) and the protocol's ablations, each a variant of the
 * model file, each run in its own child process (one tfjs backend per process, a clean heap per run).
 * Reports per depth and arm over the seeds: diverged runs, final loss, steps to a target loss, validation
 * accuracy, loss spikes, step time (mean ± sd); prints a markdown table and writes
 * bench/results/stability-<host>-<date>.json after every run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SPIKE_RULE, BLOWUP_FACTOR } from './analyze';
import { ARM_NAMES, ARM_SETS, ARMS, DEFAULTS, resolveArms, type ArmName, type StabilityConfig } from './models';
import { armRows, armRowsOfFile, markdownTable, rowsOf, type StoredRun } from './report';
import type { OneResult } from './run-one';

const HELP = `npm run bench:stability -- [options]
  --depths 100,300,1000   weight layers per network (stem + residual blocks + logits)
  --steps 300,300,200     step budget per depth (one number: the same for all)
  --optimizer sgd|adam    baseline optimizer, also the protocol's base (default sgd)
  --lr 0.1                base learning rate (default 0.1)
  --width 16 --batch 32   layer width, batch size
  --target 2.0            target loss for "steps to target" (ln 8 = 2.08 is chance on 8 classes)
  --arms baseline,stabilized   arm names or sets, comma-separated (default: baseline,stabilized)
                          sets: ${Object.entries(ARM_SETS).map(([k, v]) => `${k} (${v.length})`).join(', ')}
  --seeds 3               seeds per depth and arm: train.seed 42, 43, ... (default 1)
  --first-seed 42         the first train.seed (to split seeds over processes; --merge joins the files)
  --backend wasm|cpu      (default wasm; falls back to cpu when wasm does not load)
  --quick                 depths 10,30, 20 steps: a smoke test
  --long                  the seed's own regime: D = 300, 4000 steps, a written-out 2000-step warm-up vs
                          1000 and a fixed bound 1.5, baseline and fixed α = 0.1, 3 seeds (hours on a CPU)
  --out FILE              JSON results (default bench/results/stability-<host>-<date>.json; --quick: the temp dir)
  --json                  print the JSON instead of the table
  --table FILE            print the table of a result file (a run with arms, from 2026-12-04 on)
  --merge A B ... --out F one result file from several runs of the benchmark split over processes by seed, depth or
                          arm (other options the same; runs concatenated in depth, seed, arm order; a run of the
                          same depth, arm and seed twice is an error)
arms:
${ARM_NAMES.map((a) => `  ${a.padEnd(16)} ${ARMS[a].doc}`).join('\n')}`;

interface Options {
  depths: number[];
  steps: number[];
  optimizer: 'sgd' | 'adam';
  lr: number;
  width: number;
  batch: number;
  target: number;
  arms: ArmName[];
  seeds: number;
  firstSeed: number;
  backend: 'wasm' | 'cpu';
  out?: string;
  /** A smoke run: its results go to the temp dir unless --out says otherwise. */
  quick?: boolean;
  json: boolean;
}

export function parseOptions(argv: string[]): Options {
  const o: Options = { depths: [100, 300, 1000], steps: [300, 300, 200], optimizer: 'sgd', lr: 0.1, width: DEFAULTS.width, batch: DEFAULTS.batchSize, target: 2.0, arms: ['baseline', 'stabilized'], seeds: 1, firstSeed: DEFAULTS.seed, backend: 'wasm', json: false };
  const list = (v: string) => v.split(',').map(Number);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--depths') o.depths = list(v());
    else if (a === '--steps') o.steps = list(v());
    else if (a === '--optimizer') o.optimizer = v() as Options['optimizer'];
    else if (a === '--lr') o.lr = Number(v());
    else if (a === '--width') o.width = Number(v());
    else if (a === '--batch') o.batch = Number(v());
    else if (a === '--target') o.target = Number(v());
    else if (a === '--arms') o.arms = resolveArms(v());
    else if (a === '--seeds') o.seeds = Number(v());
    else if (a === '--first-seed') o.firstSeed = Number(v());
    else if (a === '--backend') o.backend = v() as Options['backend'];
    else if (a === '--out') o.out = v();
    else if (a === '--json') o.json = true;
    else if (a === '--quick') { o.depths = [10, 30]; o.steps = [20]; o.quick = true; }
    else if (a === '--long') { o.depths = [300]; o.steps = [4000]; o.arms = ARM_SETS.long!; o.seeds = 3; }
    else throw new Error(`unknown option ${a}\n${HELP}`);
  }
  if (o.depths.some((d) => !(d >= 3))) throw new Error('--depths: each at least 3');
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1)) throw new Error('--seeds: a whole number, at least 1');
  if (!Number.isInteger(o.firstSeed)) throw new Error('--first-seed: a whole number');
  if (o.steps.length !== 1 && o.steps.length !== o.depths.length) throw new Error('--steps: one number, or one per depth');
  return o;
}

/** Depth by depth, seed by seed, every arm: a cut-short run still has whole seeds of every arm. */
export function plan(o: Options): StabilityConfig[] {
  const stepsAt = (i: number) => o.steps[o.steps.length === 1 ? 0 : i]!;
  return o.depths.flatMap((depth, i) => Array.from({ length: o.seeds }, (_, s) => o.arms.map((arm): StabilityConfig => ({
    ...DEFAULTS, depth, steps: stepsAt(i), width: o.width, batchSize: o.batch,
    optimizer: o.optimizer, lr: o.lr, backend: o.backend, arm, seed: o.firstSeed + s,
  }))).flat());
}

const MARK = 'STABILITY-RESULT ';

/** One configuration in a child process (the same entry, `--one <json>`). */
function runChild(config: StabilityConfig): OneResult {
  const args = [...process.execArgv, process.argv[1]!, '--one', JSON.stringify(config)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const line = r.stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`run ${config.depth}/${config.arm}/seed ${config.seed} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(MARK.length)) as OneResult;
}

/** The repository root: the first folder up from this file (bundled in dist/ or run from bench/stability/) with a package.json. */
function repoRoot(): string {
  let d = __dirname;
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return d;
}

function machine() {
  const c = cpus();
  return { host: hostname(), cpu: c[0]?.model ?? 'unknown', cores: c.length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--one') {
    const { runOne } = await import('./run-one');
    const r = await runOne(JSON.parse(argv[1]!) as StabilityConfig);
    process.stdout.write(`${MARK}${JSON.stringify(r)}\n`);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) return void console.log(HELP);
  if (argv[0] === '--table') {
    // the table of a result file, as BENCHMARKS.md shows it (every number from that file)
    const doc = JSON.parse(readFileSync(argv[1] ?? '', 'utf8')) as Parameters<typeof armRowsOfFile>[0];
    return void console.log(markdownTable(armRowsOfFile(doc), doc.options.target));
  }
  if (argv[0] === '--merge') return mergeFiles(argv.slice(1));
  const o = parseOptions(argv);
  const configs = plan(o);
  const results: OneResult[] = [];
  const t0 = Date.now();
  const date = new Date().toISOString().slice(0, 10);
  const m = machine();
  // a --quick smoke run must not overwrite the recorded results
  const out = o.out ?? join(o.quick ? tmpdir() : join(repoRoot(), 'bench', 'results'), `stability-${m.host}-${date}${o.quick ? '-quick' : ''}.json`);
  const stepsOf = (depth: number) => configs.find((c) => c.depth === depth)!.steps;
  // written after every run, so a plan cut short keeps what it measured
  const write = () => {
    const rows = rowsOf(results, o.target);
    const doc = {
      date, machine: m, backend: results[0]?.backend, device: results[0]?.device, seconds: (Date.now() - t0) / 1000,
      complete: results.length === configs.length, options: o, spikeRule: SPIKE_RULE, blowUpFactor: BLOWUP_FACTOR,
      arms: Object.fromEntries(o.arms.map((a) => [a, ARMS[a].doc])),
      stabilizeChoices: Object.fromEntries(o.arms.flatMap((a) => {
        const r = results.find((x) => x.config.arm === a && x.stabilizeChoices);
        return r ? [[a, r.stabilizeChoices]] : [];
      })),
      armRows: armRows(rows, stepsOf),
      rows,
      runs: results.map((r) => ({ config: r.config, status: r.status, error: r.error, steps: r.steps, seconds: r.seconds, backend: r.backend, device: r.device, alerts: r.alerts, validation: r.validation, losses: r.points.map((p) => p.loss), stepMs: r.points.map((p) => +p.ms.toFixed(2)), lr: r.points.map((p) => p.lr) })),
    };
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
    return doc;
  };
  let backend = o.backend;
  for (const [k, c] of configs.entries()) {
    const config = { ...c, backend };
    console.error(`stability ${k + 1}/${configs.length}: depth ${c.depth}, ${c.arm}, seed ${c.seed}, ${c.steps} steps (${backend})`);
    let r: OneResult;
    try {
      r = runChild(config);
    } catch (e) {
      if (backend !== 'wasm' || !/wasm/i.test((e as Error).message)) throw e;
      console.error(`stability: the wasm backend did not load; falling back to cpu\n${(e as Error).message}`);
      backend = 'cpu';
      r = runChild({ ...config, backend });
    }
    const last = r.points.at(-1);
    console.error(`  ${r.status} at step ${r.steps} in ${r.seconds.toFixed(1)} s; loss ${r.points[0]?.loss.toFixed(3)} -> ${last?.loss.toFixed(3)}${r.error ? `; ${r.error}` : ''}`);
    results.push(r);
    write();
  }
  const doc = write();
  const table = markdownTable(doc.armRows, o.target);
  if (o.json) console.log(JSON.stringify(doc));
  else {
    console.log(`\n${m.cpu}, ${m.cores} cores, ${m.node}, backend ${doc.backend} (${doc.device}); ${o.optimizer} lr ${o.lr}, width ${o.width}, batch ${o.batch}; ${doc.seconds.toFixed(0)} s in all\n`);
    console.log(table);
    console.log(`\nresults: ${out}`);
  }
}

/**
 * `--merge A B ... --out F`: the result files of one plan split over processes (`--first-seed`), as one file: the
 * runs concatenated in (depth, seed, arm) order and the rows recomputed; each input's machine and seconds are kept.
 */
function mergeFiles(argv: string[]): void {
  const at = argv.indexOf('--out');
  if (at < 0 || !argv[at + 1]) throw new Error('--merge A B ... --out FILE');
  const out = argv[at + 1]!;
  const inputs = argv.filter((_, i) => i !== at && i !== at + 1);
  type StoredFile = { options: Options; runs: StoredRun[]; machine: unknown; seconds: number; date: string } & Record<string, unknown>;
  const docs = inputs.map((f) => JSON.parse(readFileSync(f, 'utf8')) as StoredFile);
  const base = docs[0]!;
  const free = { seeds: 0, firstSeed: 0, out: '', depths: [], steps: [], arms: [] };
  const canonical = (o: Options) => JSON.stringify(Object.entries({ ...o, ...free }).sort(([a], [b]) => a.localeCompare(b)));
  const same = (d: typeof base) => canonical(d.options) === canonical(base.options);
  const odd = docs.findIndex((d) => !same(d));
  if (odd >= 0) throw new Error(`${inputs[odd]}: its options differ from ${inputs[0]}'s (other than seeds, depths, steps and arms)`);
  const key = (c: StabilityConfig) => `${c.depth}/${c.arm}/${c.seed}`;
  const runs = docs.flatMap((d) => d.runs);
  const seen = new Set<string>();
  for (const r of runs) {
    if (seen.has(key(r.config))) throw new Error(`run ${key(r.config)} is in more than one file`);
    seen.add(key(r.config));
  }
  const order = [...new Set(docs.flatMap((d) => d.options.arms))];
  runs.sort((a, b) => a.config.depth - b.config.depth || a.config.seed - b.config.seed || order.indexOf(a.config.arm) - order.indexOf(b.config.arm));
  const seeds = [...new Set(runs.map((r) => r.config.seed))].sort((a, b) => a - b);
  const depths = [...new Set(runs.map((r) => r.config.depth))].sort((a, b) => a - b);
  const merged = {
    ...base,
    options: { ...base.options, seeds: seeds.length, firstSeed: seeds[0], out, arms: order, depths, steps: depths.map((d) => runs.find((r) => r.config.depth === d)!.config.steps) },
    seconds: docs.reduce((a, d) => a + d.seconds, 0),
    mergedFrom: inputs.map((f, i) => ({ file: f, machine: docs[i]!.machine, seconds: docs[i]!.seconds, seeds: [...new Set(docs[i]!.runs.map((r) => r.config.seed))] })),
    runs,
  };
  const doc = { ...merged, armRows: armRowsOfFile(merged) };
  delete (doc as Record<string, unknown>).rows;
  writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
  console.log(markdownTable(doc.armRows, base.options.target));
  console.log(`\nmerged ${runs.length} runs (seeds ${seeds.join(', ')}) from ${inputs.length} files: ${out}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`bench:stability: ${(e as Error).message}`);
    process.exit(1);
  });
}
