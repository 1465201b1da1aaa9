/**
 * `npm run bench:modularity -- --transfer`: is `dynaxx transfer`'s advice worth following (seed 000, issue 16)?
 * Per seed: the old two-task model (transfer-old.dynaxx.yaml) is trained as a run by the product's session; the
 * product's transfer advice (trainer/modularity/transfer.ts) is asked for the related task (transfer-new: `left`
 * the same function, `right` a new one); then the new task is trained from the parent for the same step budget in
 * each arm (TRANSFER_ARMS): following the advice, against the same number of random units frozen, the advice
 * reversed, fine-tuning everything and training from scratch. Freezing is the modularity plugin's fixed-label mode
 * with frozen entries (what `dynaxx grow` uses), so every reuse arm also keeps the parent's labels and L1 loss.
 * Validation accuracy every EVAL_EVERY steps gives steps to target; test accuracy is on fresh draws of the new
 * task (data seed TEST_DATA_SEED), never read by anything that chooses.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MODULARITY_REPORT, type TransferRow } from '../../protocol/reports';
import { loadModelFile, type ModelFile } from '../../spec';
import { deriveSeed, Rng } from '../../trainer/data/rng';
import { loadDataset } from '../../trainer/data/load';
import type { Dataset } from '../../trainer/data/types';
import { TrainingLoop } from '../../trainer/engine/loop';
import { netWith, readWeights } from '../../trainer/engine/weights';
import { evaluateMasked } from '../../trainer/modularity/analysis/masked-eval';
import type { UnitMasks } from '../../trainer/modularity/analysis/types';
import { modularityPlugin, storedResult, type ModularityPlugin } from '../../trainer/modularity/plugin';
import { partitionOf } from '../../trainer/modularity/report';
import { transferAdvice } from '../../trainer/modularity/transfer';
import { startRun } from '../../trainer/session';
import type { NamedArray } from '../../trainer/store/checkpoint';
import { RunStore } from '../../trainer/store/run-store';

export const OLD_MODEL = 'bench/modularity/transfer-old.dynaxx.yaml';
export const NEW_MODEL = 'bench/modularity/transfer-new.dynaxx.yaml';
export const EVAL_EVERY = 10;
export const TEST_DATA_SEED = 9001;
/** The task whose function the new file keeps (task seed 1 in both files). */
export const UNCHANGED_TASK = 'left';

export const TRANSFER_ARMS = [
  { id: 'advice', what: 'parent weights; `keep` subnetworks frozen (incoming weights and biases), `retrain` ones and the logits trained' },
  { id: 'advice-reinit', what: 'as advice, the `retrain` subnetworks\' incoming weights re-initialised first' },
  { id: 'oracle', what: 'parent weights; the subnetworks that serve `left` (the unchanged task, per the parent\'s report) frozen: what exact advice would freeze' },
  { id: 'random-units', what: 'parent weights; as many units per layer as advice freezes, drawn at random, frozen' },
  { id: 'inverse', what: 'parent weights; the advice reversed: `retrain` subnetworks frozen, `keep` ones trained' },
  { id: 'finetune-all', what: 'parent weights; everything trained' },
  { id: 'scratch', what: 'fresh initialisation, the new file as written (discovery included)' },
] as const;
export type TransferArmId = (typeof TRANSFER_ARMS)[number]['id'];

export interface TransferOptions {
  seeds: number[];
  /** Epochs on the new task (every arm: the same steps). */
  epochs: number;
  target: number;
  backend: 'wasm' | 'cpu';
  runsDir?: string;
  /** Override the parent's epochs (tests); the file's 6 otherwise. */
  parentEpochs?: number;
}

export interface TransferArmResult {
  arm: TransferArmId | 'parent';
  seed: number;
  /** Units frozen per modular layer. */
  frozenUnits: Record<string, number>;
  /** Test accuracy (fresh draws) per task, [0, 1]; `parent` = before any training on the new task. */
  test: Record<string, number>;
  /** Validation accuracy (mean over tasks) after every EVAL_EVERY steps: [step, accuracy]. */
  curve: Array<[number, number]>;
  /** First evaluated step with mean validation accuracy ≥ target; null when never reached. */
  stepsToTarget: number | null;
  /** Largest change of a frozen entry over the run (0 = frozen exactly). */
  maxFrozenChange: number;
  seconds: number;
}

export interface TransferSeed {
  seed: number;
  parentRun: string;
  /** The parent's validation accuracy per task on the old task. */
  parentAccuracy: number[];
  /** The product's advice, with the task each subnetwork serves and what removing it costs (the parent's report). */
  advice: Array<TransferRow & { task: string | null; drop: number[] }>;
  arms: TransferArmResult[];
}

type Frozen = Map<string, Uint8Array>;

/** Units frozen per modular layer for `arm`, from the parent's unit labels, the advice (`keep`) and the `oracle` set. */
export function frozenUnits(arm: TransferArmId, labels: Map<string, Int32Array>, keep: Set<number>, oracle: Set<number>, seed: number): Frozen {
  const out: Frozen = new Map();
  const rng = new Rng(deriveSeed(seed, 'bench-transfer', 'random-units'));
  for (const [id, ls] of labels) {
    const advised = Uint8Array.from(ls, (s) => (keep.has(s) ? 1 : 0));
    if (arm === 'advice' || arm === 'advice-reinit') out.set(id, advised);
    else if (arm === 'oracle') out.set(id, Uint8Array.from(ls, (s) => (oracle.has(s) ? 1 : 0)));
    else if (arm === 'inverse') out.set(id, Uint8Array.from(ls, (s) => (s >= 0 && !keep.has(s) ? 1 : 0)));
    else if (arm === 'random-units') {
      const n = advised.reduce((a, b) => a + b, 0);
      const pick = rng.shuffle(Int32Array.from({ length: ls.length }, (_, i) => i)).slice(0, n);
      const m = new Uint8Array(ls.length);
      for (const u of pick) m[u] = 1;
      out.set(id, m);
    } else out.set(id, new Uint8Array(ls.length));
  }
  return out;
}

/** The plugin's frozen map: the frozen units' kernel columns and biases, and θ. */
function frozenEntries(frozen: Frozen, weights: NamedArray[], k: number): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>([['modularity/theta', new Float32Array(k).fill(1)]]);
  for (const w of weights) {
    const [layer, role] = w.name.split('/');
    const units = frozen.get(layer!);
    if (!units || (role !== 'kernel' && role !== 'bias')) continue;
    const out = w.shape[w.shape.length - 1]!;
    m.set(w.name, Float32Array.from(w.data, (_, i) => units[i % out]!));
  }
  return m;
}

interface Parent { oracle: Set<number>; model: ModelFile; weights: NamedArray[]; labels: Int32Array; theta: Float32Array; masks: UnitMasks; unitLabels: Map<string, Int32Array> }

async function trainArm(arm: TransferArmId, parent: Parent, keep: Set<number>, newFile: string, data: { train: Dataset; test: Dataset }, o: TransferOptions, seed: number): Promise<TransferArmResult> {
  const model = loadModelFile(newFile);
  Object.assign(model.train, { seed, epochs: o.epochs, steps: 0, evalEvery: EVAL_EVERY });
  const spec = model.modularity!;
  const frozen = frozenUnits(arm, parent.unitLabels, keep, parent.oracle, seed);
  const entries = frozenEntries(frozen, parent.weights, spec.subnetworks);
  const plugin = arm === 'scratch' ? modularityPlugin(spec) : modularityPlugin(spec, { growth: { labels: parent.labels, theta: parent.theta, frozen: entries } });
  const loop = new TrainingLoop({ model, dataset: data.train, plugins: [plugin] });
  try {
    if (arm !== 'scratch') {
      const old = new Map(parent.weights.map((w) => [w.name, w]));
      for (const v of loop.net.trainable()) {
        const w = old.get(v.name);
        if (!w) continue;
        const next = Float32Array.from(w.data as Float32Array);
        const retrain = arm === 'advice-reinit' ? parent.unitLabels.get(v.layerId) : undefined;
        if (retrain) {
          const fresh = (await v.variable.data()) as Float32Array;
          const out = w.shape[w.shape.length - 1]!;
          for (let i = 0; i < next.length; i++) if (retrain[i % out]! >= 0 && !keep.has(retrain[i % out]!)) next[i] = fresh[i]!;
        }
        const t = tf.tensor(next, w.shape);
        v.variable.assign(t);
        t.dispose();
      }
    }
    const curve: Array<[number, number]> = [];
    const t0 = performance.now();
    const result = await loop.run({
      onMetrics: (rs) => {
        for (const r of rs) if (r.split === 'validation' && typeof r.accuracy === 'number') curve.push([r.step, r.accuracy]);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (result.status !== 'completed') throw new Error(`transfer ${arm} seed ${seed}: training ${result.status}${result.error ? `: ${result.error}` : ''}`);
    const p = loop.plugins[0] as ModularityPlugin;
    const { masks } = partitionOf(await p.result(loop.currentStep));
    const ev = await evaluateMasked(loop.net, data.test.train, data.test.tasks, data.test.sampleShape, masks);
    let maxFrozenChange = 0;
    if (arm !== 'scratch') {
      const old = new Map(parent.weights.map((w) => [w.name, w]));
      for (const w of await readWeights(loop.net)) {
        const m = entries.get(w.name);
        const before = old.get(w.name);
        if (m && before) for (let i = 0; i < m.length; i++) if (m[i] === 1) maxFrozenChange = Math.max(maxFrozenChange, Math.abs(w.data[i]! - before.data[i]!));
      }
    }
    const hit = curve.find(([, a]) => a >= o.target);
    return {
      arm, seed, seconds, curve, maxFrozenChange,
      frozenUnits: Object.fromEntries([...frozen].map(([id, m]) => [id, m.reduce((a, b) => a + b, 0)])),
      test: Object.fromEntries(data.test.tasks.map((t, i) => [t.name, ev.accuracy[i]!])),
      stepsToTarget: hit ? hit[0] : null,
    };
  } finally {
    loop.dispose();
  }
}

/** One seed: the parent run, the advice, every arm. */
export async function transferSeed(root: string, o: TransferOptions, seed: number, log: (m: string) => void): Promise<TransferSeed> {
  const runsDir = o.runsDir ?? mkdtempSync(join(tmpdir(), 'dynaxx-transfer-'));
  const oldFile = join(root, OLD_MODEL);
  const newFile = join(root, NEW_MODEL);
  const prepared = await startRun(oldFile, { seed, backend: o.backend, ...(o.parentEpochs ? { epochs: o.parentEpochs } : {}) }, { runsDir });
  const res = await prepared.run();
  if (res.status !== 'completed') throw new Error(`parent seed ${seed}: ${res.status}`);
  const report = await transferAdvice(runsDir, prepared.runId, newFile, { backend: o.backend });
  const dir = new RunStore(runsDir).open(prepared.runId);
  const model = dir.readSpec();
  const ckpt = dir.readCheckpoint()!;
  const stored = storedResult(model.modularity!, model.layers, ckpt.state)!;
  const mod = dir.readReport(MODULARITY_REPORT)!;
  const { partition, masks } = partitionOf(stored);
  const parent: Parent = {
    oracle: new Set(mod.subnetworks.filter((x) => x.task === UNCHANGED_TASK).map((x) => x.id)),
    model, weights: ckpt.weights, labels: stored.labels, masks,
    theta: Float32Array.from(stored.masks, (m) => (m > 0.5 ? 50 : -50)),
    unitLabels: new Map(partition.layers.map((l) => [l.layerId, l.labels])),
  };
  const keep = new Set(report.rows.filter((r) => r.advice === 'keep').map((r) => r.subnetwork));
  const advice = report.rows.map((r) => {
    const s = mod.subnetworks.find((x) => x.id === r.subnetwork);
    return { ...r, task: s?.task ?? null, drop: s?.accuracyDrop ?? [] };
  });
  log(`  seed ${seed}: parent ${mod.accuracy.map((a) => (100 * a).toFixed(1)).join(' / ')}; advice ${advice.map((r) => `#${r.subnetwork} (${r.task}) ${r.advice}`).join(', ')}`);
  const newModel = loadModelFile(newFile);
  const data = {
    train: loadDataset(newModel.data, { seed: newModel.train.seed, baseDir: dirname(newFile) }),
    test: loadDataset(newModel.data, { seed: TEST_DATA_SEED, baseDir: dirname(newFile) }),
  };
  const arms: TransferArmResult[] = [await parentOnNewTask(parent, data.test, seed)];
  for (const { id } of TRANSFER_ARMS) {
    const r = await trainArm(id, parent, keep, newFile, data, o, seed);
    arms.push(r);
    log(`  seed ${seed} ${id}: test ${Object.entries(r.test).map(([t, a]) => `${t} ${(100 * a).toFixed(1)}`).join(', ')}; steps to ${o.target}: ${r.stepsToTarget ?? '—'}; ${r.seconds.toFixed(1)} s`);
  }
  return { seed, parentRun: prepared.runId, parentAccuracy: mod.accuracy, advice, arms };
}

/** The parent as it is (its hard masks), on the new task's test draws: `left` should hold, `right` be near chance. */
async function parentOnNewTask(parent: Parent, test: Dataset, seed: number): Promise<TransferArmResult> {
  const net = netWith(parent.model, parent.weights);
  try {
    const ev = await evaluateMasked(net, test.train, test.tasks, test.sampleShape, parent.masks);
    return { arm: 'parent', seed, frozenUnits: {}, test: Object.fromEntries(test.tasks.map((t, i) => [t.name, ev.accuracy[i]!])), curve: [], stepsToTarget: null, maxFrozenChange: 0, seconds: 0 };
  } finally {
    net.dispose();
  }
}

export interface TransferDoc {
  date: string;
  machine: Record<string, unknown>;
  seconds: number;
  options: TransferOptions & { oldModel: string; newModel: string; evalEvery: number; testDataSeed: number };
  notes: Record<string, string>;
  seeds: TransferSeed[];
}

const NOTES = {
  task: 'transfer-old: two-task set, task seeds [1, 2]; transfer-new: task seeds [1, 3] (left the same function, right a new one), new sample draws (data seed 101); the same heads, as the advice needs.',
  advice: 'trainer/modularity/transfer.ts as `dynaxx transfer <run> --data transfer-new.dynaxx.yaml` runs it: 256 validation samples of each data set; retrain when relative norm ratio > 1.25 and cosine < 0.5.',
  frozen: 'the modularity plugin\'s fixed-label mode (as `dynaxx grow`): the parent\'s labels and θ (hard masks, all open) fixed, the frozen units\' incoming kernel columns and biases restored after every update; L1 and diversity losses on in every reuse arm. maxFrozenChange checks it.',
  test: `accuracy on fresh draws of the new task (data seed ${TEST_DATA_SEED}, 7373 samples), final hard masks applied; steps to target read the validation split every ${EVAL_EVERY} steps.`,
  scratch: 'the new file trained from a fresh initialisation with its modularity: block (discovery, warm-up, hardening), for the same steps.',
};

export async function runTransfer(root: string, o: TransferOptions, machine: Record<string, unknown>, log: (m: string) => void): Promise<TransferDoc> {
  const t0 = Date.now();
  log(`modularity transfer: ${OLD_MODEL} → ${NEW_MODEL}, seeds ${o.seeds.join(', ')}, ${o.epochs} epochs on the new task, target ${o.target}`);
  const seeds: TransferSeed[] = [];
  for (const seed of o.seeds) seeds.push(await transferSeed(root, o, seed, log));
  return {
    date: new Date().toISOString().slice(0, 10), machine, seconds: (Date.now() - t0) / 1000,
    options: { ...o, oldModel: OLD_MODEL, newModel: NEW_MODEL, evalEvery: EVAL_EVERY, testDataSeed: TEST_DATA_SEED },
    notes: NOTES, seeds,
  };
}
