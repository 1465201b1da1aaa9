/**
 * `npm run bench:modularity -- --fashion`: the ablation arms on real data (issue 16): Fashion-MNIST, one task with
 * 10 classes (fashion-modular.dynaxx.yaml: the fashion MLP with `modularity: on`). With one task the two-task
 * scores (task specialization, NMI with the task a unit serves) mean nothing, so each arm is scored by what does:
 * test accuracy, *class* specialization (the product's multi-task specialization formula over the 10 classes'
 * drops when one subnetwork is removed: 1 = every removal hurts one class only, 0 = every class alike), the same
 * for random partitions of the arm's network with its sizes (the control), the largest single-class drop, Q of the
 * hidden graph and the subnetworks open at the end. `plain` (no block) gives the accuracy and step-time reference.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { loadModelFile } from '../../spec';
import { loadDataset } from '../../trainer/data/load';
import type { Dataset, Split } from '../../trainer/data/types';
import { ablationTable, specialization } from '../../trainer/modularity/analysis/ablation';
import { evaluateMasked } from '../../trainer/modularity/analysis/masked-eval';
import { subsampleSplit } from '../../trainer/modularity/analysis/subsample';
import type { ContextExtras } from '../../trainer/modularity/analysis/types';
import { qModularity } from '../../trainer/modularity/cluster/metrics';
import { ablationById } from './ablations';
import { dynaxxPartition, liveSubnetworks, randomPartitions, readWeights, toPartition, type HiddenPartition } from './partitions';
import { hiddenGraph } from './scores';
import { mean, trainArm, type ArmRun } from './train';

export const FASHION_MODEL = 'bench/modularity/fashion-modular.dynaxx.yaml';
/** Validation samples the lesions are measured on (16 subnetworks × (1 + draws) evaluations each). */
export const LESION_SAMPLES = 2000;

export interface FashionOptions { seeds: number[]; arms: string[]; epochs: number; limit: number; draws: number; dataSeed: number }

export interface FashionArmResult {
  arm: string;
  seed: number;
  testAccuracy: number;
  /** Validation accuracy after each epoch. */
  valAccuracy: number[];
  /** Undefined for `plain` (no partition). */
  classSpecialization?: number;
  /** Mean over `draws` random partitions of this network with its per-layer subnetwork sizes. */
  randomClassSpecialization?: number;
  /** The largest drop of one class when one subnetwork is removed, with that removal's overall drop (points). */
  topClassDrop?: { subnetwork: number; class: string; drop: number; overall: number };
  q?: number;
  open?: number;
  k?: number;
  stepMsMedian: number;
  seconds: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

/** Class specialization of one partition, and its rows (per subnetwork: class drops, overall drop). */
async function classScore(run: ArmRun, split: Split, dataset: Dataset, p: HiddenPartition, hiddenIds: string[], context: ContextExtras) {
  const t = await ablationTable(run.loop.net, split, dataset.tasks, dataset.sampleShape, toPartition(p, hiddenIds), undefined, { context });
  return { score: specialization(t.rows.map((r) => ({ accuracyDrop: r.classDrop[0]!.map((x) => (Number.isFinite(x) ? x : 0)) }))), rows: t.rows };
}

async function scoreArm(arm: string, run: ArmRun, dataset: Dataset, o: FashionOptions, seed: number): Promise<FashionArmResult> {
  const context: ContextExtras = { transformOutput: run.loop.evalContext().transformOutput, step: run.loop.currentStep };
  const test = await evaluateMasked(run.loop.net, dataset.test!, dataset.tasks, dataset.sampleShape, undefined, { context });
  const base = { arm, seed, testAccuracy: test.accuracy[0]!, valAccuracy: run.valAccuracy, stepMsMedian: median(run.stepMs), seconds: run.seconds };
  if (!run.modularity) return base;
  const found = dynaxxPartition(run.modularity);
  const split = subsampleSplit(dataset.validation, dataset.sampleShape.reduce((a, b) => a * b, 1), 1, LESION_SAMPLES, seed);
  const own = await classScore(run, split, dataset, found.partition, found.hiddenIds, context);
  const random: number[] = [];
  for (const p of randomPartitions(found.partition, found.alive, o.draws, seed)) random.push((await classScore(run, split, dataset, p, found.hiddenIds, context)).score);
  let top: FashionArmResult['topClassDrop'];
  const names = dataset.tasks[0]!.labels;
  for (const r of own.rows) r.classDrop[0]!.forEach((d, c) => {
    if (!top || d > top.drop) top = { subnetwork: r.subnetwork, class: names?.[c] ?? String(c), drop: d, overall: r.accuracyDrop[0]! };
  });
  const w = await readWeights(run.loop, found.hiddenIds, found.outputId, found.alive);
  const g = hiddenGraph(w);
  const labels = Int32Array.from(found.partition.labels.flatMap((l) => [...l]));
  return {
    ...base, classSpecialization: own.score, randomClassSpecialization: mean(random), topClassDrop: top,
    q: qModularity(g.adjacency, g.n, labels), open: liveSubnetworks(found.partition, found.alive), k: run.modularity.k,
  };
}

/** Every arm for one seed, in the order given (`full`: the file's block; `plain`: without it; else an ablation id). */
export async function fashionSeed(root: string, o: FashionOptions, dataset: Dataset, seed: number, log: (m: string) => void): Promise<FashionArmResult[]> {
  const out: FashionArmResult[] = [];
  for (const arm of o.arms) {
    const model = loadModelFile(join(root, FASHION_MODEL));
    Object.assign(model.train, { seed, epochs: o.epochs, steps: 0 });
    const ablation = arm === 'full' || arm === 'plain' ? undefined : ablationById(arm);
    ablation?.edit(model);
    if (arm === 'plain') delete model.modularity;
    const run = await trainArm({ arm: arm === 'plain' ? 'plain' : 'dynaxx', model }, dataset, { fixedRandomLabels: ablation?.fixedRandomLabels });
    try {
      const r = await scoreArm(arm, run, dataset, o, seed);
      out.push(r);
      log(`  seed ${seed} ${arm}: test ${(100 * r.testAccuracy).toFixed(1)}%, class specialization ${r.classSpecialization?.toFixed(3) ?? '—'} (random ${r.randomClassSpecialization?.toFixed(3) ?? '—'}), ${r.seconds.toFixed(0)} s`);
    } finally {
      run.loop.dispose();
    }
  }
  return out;
}

export function fashionDataset(root: string, o: FashionOptions): Dataset {
  const file = isAbsolute(FASHION_MODEL) ? FASHION_MODEL : join(root, FASHION_MODEL);
  const model = loadModelFile(file);
  if (o.limit > 0) model.data.limit = o.limit;
  return loadDataset(model.data, { seed: o.dataSeed, baseDir: dirname(file) });
}

export interface FashionDoc {
  date: string;
  machine: Record<string, unknown>;
  seconds: number;
  options: FashionOptions & { model: string; lesionSamples: number; trainSamples: number };
  notes: Record<string, string>;
  arms: Array<{ id: string; what: string }>;
  results: FashionArmResult[];
}

const WHAT: Record<string, string> = {
  full: 'the block as written (`modularity: on`: k = 16, clustering + L1 + diversity + masks)',
  plain: 'no `modularity:` block, the same widths',
};

/** `onSeed` gets the document so far after every seed (a long run keeps what it finished). */
export async function runFashion(root: string, o: FashionOptions, machine: Record<string, unknown>, log: (m: string) => void, onSeed?: (doc: FashionDoc) => void): Promise<FashionDoc> {
  const t0 = Date.now();
  const dataset = fashionDataset(root, o);
  log(`modularity on Fashion-MNIST: ${FASHION_MODEL}, ${dataset.train.n} training samples, ${o.epochs} epoch(s), seeds ${o.seeds.join(', ')}, arms ${o.arms.join(', ')}`);
  const results: FashionArmResult[] = [];
  for (const seed of o.seeds) {
    results.push(...(await fashionSeed(root, o, dataset, seed, log)));
    onSeed?.(fashionDoc(o, machine, t0, dataset, results));
  }
  return fashionDoc(o, machine, t0, dataset, results);
}

function fashionDoc(o: FashionOptions, machine: Record<string, unknown>, t0: number, dataset: Dataset, results: FashionArmResult[]): FashionDoc {
  return {
    date: new Date().toISOString().slice(0, 10), machine, seconds: (Date.now() - t0) / 1000,
    options: { ...o, model: FASHION_MODEL, lesionSamples: LESION_SAMPLES, trainSamples: dataset.train.n },
    notes: {
      classSpecialization: 'trainer/modularity/analysis/ablation.ts specialization() with the 10 classes in place of tasks: Σ_k (max_c d_kc − mean of the other classes\' d_kc) / Σ_k Σ_c d_kc, d_kc = points class c loses when subnetwork k is removed (clipped at 0), on LESION_SAMPLES validation samples, the arm\'s final masks applied.',
      random: 'the same score for random partitions of the same network with its per-layer subnetwork sizes (bench/modularity/partitions.ts randomPartitions), mean over draws.',
      testAccuracy: 'the test split (10 000 images), the arm\'s final masks applied.',
      stepMsMedian: 'median wall ms per training step; the machine was shared with other benchmarks, so step times are indicative only.',
    },
    arms: o.arms.map((id) => ({ id, what: WHAT[id] ?? ablationById(id).what })),
    results: [...results],
  };
}
