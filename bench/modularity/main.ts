/**
 * `npm run bench:modularity`: the evidence for emergent modularity (seed 000) on the two-task set. Per
 * seed, in one process and side by side: (a) the example model trained with its `modularity:` block, (b)
 * the same widened layers trained without it; then three partitions of hidden units are scored: (a)'s
 * subnetworks, (b)'s spectral clusters of the weight graph (Filan et al.) and random partitions of (a)'s
 * network with (a)'s sizes (c). Then each ablation arm (--ablations; ablations.ts: the block without the L1 loss,
 * without the diversity loss, with masks off, a random fixed partition + L1, ...) is trained and scored like (a).
 * Prints markdown tables and writes JSON (bench/modularity/results.json).
 * The data are the same for every seed (--data-seed); train.seed moves the initialisation and shuffling.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem, tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../trainer/backend/backends';
import { loadDataset } from '../../trainer/data/load';
import type { Dataset } from '../../trainer/data/types';
import { ablationById, ablationOrder, ablationResult, ablationTable, runAblation } from './ablations';
import { growthRow, type GrowthRow } from './growth';
import { armModel, type Arm } from './models';
import { HELP, parseOptions, type Options } from './options';
import { dynaxxPartition, liveSubnetworks, randomPartitions, readWeights, sizes, spectralPartition } from './partitions';
import { markdownTables } from './report';
import { netContext, scorePartition } from './scores';
import { armStats, summarize, type SeedResult, type Summary } from './summary';
import { trainArm, warmUp, type ArmRun } from './train';
import { runFashion, type FashionDoc } from './fashion';
import { fashionModularityTable } from './fashion-report';
import { runTransfer, type TransferDoc } from './transfer';
import { transferTables } from './transfer-report';

/** Steps of each arm trained (and discarded) before the timed runs. */
const WARMUP_STEPS = 100;

/** The repository root: the first folder up from this file with a package.json. */
export function repoRoot(): string {
  let d = __dirname;
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return d;
}

export function machine(backend: string) {
  const c = cpus();
  return { host: hostname(), cpu: c[0]?.model ?? 'unknown', cores: c.length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}`, backend };
}

/** Both trainings of one seed (order alternating between seeds, so drift in machine speed evens out) and the three partitions' scores. */
async function runSeed(o: Options, file: string, dataset: Dataset, seed: number, index: number, log: (m: string) => void): Promise<SeedResult> {
  const order: Arm[] = index % 2 === 0 ? ['dynaxx', 'plain'] : ['plain', 'dynaxx'];
  const runs = {} as Record<Arm, ArmRun>;
  try {
    for (const arm of order) {
      runs[arm] = await trainArm(armModel(file, arm, seed, o.epochs), dataset);
      log(`  seed ${seed} ${arm}: ${runs[arm].seconds.toFixed(1)} s, validation accuracy ${runs[arm].valAccuracy.map((a) => (100 * a).toFixed(1)).join(' → ')}`);
    }
    const a = runs.dynaxx;
    const b = runs.plain;
    const found = dynaxxPartition(a.modularity!);
    const wa = await readWeights(a.loop, found.hiddenIds, found.outputId, found.alive);
    const ctxA = await netContext(a.loop.net, dataset, { transformOutput: a.loop.evalContext().transformOutput, step: a.loop.currentStep }, wa, seed);
    const k = liveSubnetworks(found.partition, found.alive);
    const wb = await readWeights(b.loop, found.hiddenIds, found.outputId);
    const spectral = spectralPartition(wb, k, seed);
    const ctxB = await netContext(b.loop.net, dataset, {}, wb, seed);
    const random = [];
    for (const p of randomPartitions(found.partition, found.alive, o.draws, seed)) random.push(await scorePartition(ctxA, p));
    const dynaxx = await scorePartition(ctxA, found.partition);
    const result: SeedResult = {
      seed,
      training: { dynaxx: armStats(a, o.target), plain: armStats(b, o.target) },
      k,
      sizes: { dynaxx: sizes(found.partition), spectral: sizes(spectral) },
      dynaxx,
      spectral: await scorePartition(ctxB, spectral),
      random,
      ablations: [ablationResult('full', a, { scores: dynaxx, open: k })],
    };
    for (const id of o.ablations) {
      const r = await runAblation(ablationById(id), () => armModel(file, 'dynaxx', seed, o.epochs).model, dataset, seed);
      result.ablations!.push(r);
      log(`  seed ${seed} ${id}: accuracy ${(100 * r.accuracy).toFixed(1)}, specialization ${r.specialization.toFixed(2)}, open ${r.open}/${r.k}, ${r.seconds.toFixed(1)} s`);
    }
    log(`  seed ${seed}: specialization (a) ${result.dynaxx.specialization.toFixed(2)}, (b) ${result.spectral.specialization.toFixed(2)}, (c) ${(random.reduce((s, r) => s + r.specialization, 0) / random.length).toFixed(2)}`);
    return result;
  } finally {
    for (const r of Object.values(runs)) r.loop.dispose();
  }
}

export interface BenchmarkDoc {
  date: string;
  machine: ReturnType<typeof machine>;
  seconds: number;
  options: Options;
  model: string;
  tasks: string[];
  notes: Record<string, string>;
  summary: Summary;
  seeds: SeedResult[];
  growth?: GrowthRow;
  table: string;
  /** The ablation table (bench/modularity/ablations.ts), also in `table`. */
  ablationTable?: string;
}

const NOTES = {
  specialization: 'trainer/modularity/analysis/ablation.ts: Σ_k |drop_left,k − drop_right,k| / Σ_k (drop_left,k + drop_right,k) over the subnetworks, drops clipped at 0, on the validation split.',
  nmi: 'NMI between each hidden unit\'s subnetwork and the task it serves most (unitTaskAttribution |a·∂L_t/∂a| on the validation split, dominantTask); units serving no task (−1) are left out.',
  purity: 'Of the units counted in NMI, the fraction whose dominant task is the majority task of their subnetwork (NMI is below 1 even for pure subnetworks when there are more subnetworks than tasks).',
  q: 'Newman\'s Q on the hidden-unit graph: nodes = the units of hidden1 and hidden2, edges = |W| of the hidden1→hidden2 kernel; weights of units switched off by Dynaxx\'s hard masks count as 0.',
  ari: 'Adjusted Rand index between seeds of a fingerprint: each input feature (and each logit) labelled by the subnetwork holding the most |W| from it into hidden1 (into it from hidden2); mean over pairs of seeds.',
  spectral: 'Filan et al.: spectral clustering of the whole weight graph of the plain network (inputs, hidden units, logits; |W| edges) into k = the number of (a)\'s subnetworks with a working unit; the hidden units keep their clusters.',
  random: '(a)\'s network, its working units\' labels shuffled within each layer (same sizes per layer); the mean over draws.',
  stepMs: 'Wall ms from the end of one step to the end of the next, without the first 10 steps and the steps after each epoch\'s evaluation; both arms in this process after a 100-step warm-up run of each, alternating which goes first. The mean includes the periodic clustering steps (every clusterEvery steps); the median is a typical step without one (probes, masks and losses only).',
  ablations: 'Each arm is the file\'s block with one change (bench/modularity/ablations.ts), trained per seed like (a) and scored on its own final partition; "full" is (a) itself. random-fixed-l1 uses the plugin\'s fixed-label mode: masks and losses from step 0, no re-clustering, no controller.',
  accuracy: 'Validation accuracy, mean over the two tasks (the synthetic data have no test split); Dynaxx with its final hard masks.',
};

export async function runBenchmark(o: Options, log: (m: string) => void = (m) => console.error(m)): Promise<BenchmarkDoc> {
  const t0 = Date.now();
  const root = repoRoot();
  const file = isAbsolute(o.model) ? o.model : join(root, o.model);
  let backend: string = o.backend;
  try {
    backend = (await initBackend(o.backend)).backend;
  } catch (e) {
    if (o.backend !== 'wasm') throw e;
    log(`modularity: the wasm backend did not load (${(e as Error).message}); using cpu`);
    backend = (await initBackend('cpu')).backend;
  }
  const first = armModel(file, 'dynaxx', o.seeds[0]!, o.epochs).model;
  const dataset = loadDataset(first.data, { seed: o.dataSeed, baseDir: dirname(file) });
  if (dataset.tasks.length < 2) throw new Error(`${file}: the benchmark needs a multi-task data set (two-task), got ${dataset.tasks.length} task`);
  log(`modularity: ${first.name}, ${dataset.train.n} training / ${dataset.validation.n} validation samples, seeds ${o.seeds.join(', ')}, ${o.epochs ?? first.train.epochs} epochs, ${backend}`);
  await warmUp((['dynaxx', 'plain'] as const).map((arm) => armModel(file, arm, o.seeds[0]!, o.epochs)), dataset, WARMUP_STEPS);
  const results: SeedResult[] = [];
  for (const [i, seed] of o.seeds.entries()) {
    results.push(await runSeed(o, file, dataset, seed, i, log));
    log(`  (${tf.memory().numTensors} tensors alive)`);
  }
  const growth = o.growth ? await growthRow(o, root, log) : undefined;
  const summary = summarize(results);
  const tasks = dataset.tasks.map((t) => t.name);
  const ablRows = results.flatMap((r) => r.ablations ?? []);
  const ablTable = o.ablations.length > 0 ? ablationTable(ablRows, ablationOrder(o.ablations)) : undefined;
  const table = markdownTables(summary, tasks, o.target, o.seeds, growth) + (ablTable ? `\n\n${ablTable}` : '');
  return {
    date: new Date().toISOString().slice(0, 10),
    machine: machine(backend),
    seconds: (Date.now() - t0) / 1000,
    options: o,
    model: o.model,
    tasks,
    notes: NOTES,
    summary,
    seeds: results,
    growth,
    table,
    ...(ablTable ? { ablationTable: ablTable } : {}),
  };
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) return void console.log(HELP);
  const o = parseOptions(argv);
  if (o.transfer) return void (await transferMain(o));
  if (o.fashion) return void (await fashionMain(o));
  const doc = await runBenchmark(o);
  // a --quick smoke run must not overwrite the recorded results
  const out = o.out ?? (o.quick ? join(tmpdir(), 'modularity-quick.json') : join(repoRoot(), 'bench', 'modularity', 'results.json'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
  if (o.json) console.log(JSON.stringify(doc));
  else {
    const m = doc.machine;
    console.log(`\n${m.cpu}, ${m.cores} cores, node ${m.node}, backend ${m.backend}; ${doc.seconds.toFixed(0)} s in all\n`);
    console.log(doc.table);
    console.log(`\nresults: ${out}`);
  }
}

/** `--transfer`: the transfer benchmark; its JSON goes to --out, else the temp dir. */
async function transferMain(o: Options): Promise<void> {
  const backend = (await initBackend(o.backend)).backend;
  const doc: TransferDoc = await runTransfer(repoRoot(), { seeds: o.seeds, epochs: o.transferEpochs, target: o.target, backend: o.backend, runsDir: o.runsDir }, machine(backend), (m) => console.error(m));
  const out = o.out ?? join(tmpdir(), 'modularity-transfer.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
  if (o.json) console.log(JSON.stringify(doc));
  else console.log(`\n${doc.seconds.toFixed(0)} s in all\n\n${transferTables(doc)}\n\nresults: ${out}`);
}

/** `--fashion`: the ablation arms on Fashion-MNIST; its JSON goes to --out, else the temp dir. */
async function fashionMain(o: Options): Promise<void> {
  const backend = (await initBackend(o.backend)).backend;
  const arms = o.fashionArms ?? ['full', 'plain', ...o.ablations];
  const out = o.out ?? join(tmpdir(), 'modularity-fashion.json');
  mkdirSync(dirname(out), { recursive: true });
  const save = (d: FashionDoc) => writeFileSync(out, `${JSON.stringify(d, null, 1)}\n`);
  const doc = await runFashion(repoRoot(), { seeds: o.seeds, arms, epochs: o.epochs ?? 1, limit: o.limit, draws: o.draws, dataSeed: o.dataSeed }, machine(backend), (m) => console.error(m), save);
  save(doc);
  if (o.json) console.log(JSON.stringify(doc));
  else console.log(`\n${doc.seconds.toFixed(0)} s in all\n\n${fashionModularityTable(doc)}\n\nresults: ${out}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`bench:modularity: ${(e as Error).stack ?? (e as Error).message}`);
    process.exit(1);
  });
}
