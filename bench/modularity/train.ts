/**
 * One training run of one arm, in this process, through the real TrainingLoop (the plugin the session
 * would add for a `modularity:` block, none otherwise). Records the validation accuracy after every epoch
 * (the loop evaluates once per epoch by default), the wall time of every step, and the plugin's
 * clustering records. The loop is returned alive for the analyses; the caller disposes it.
 */
import type { Dataset } from '../../trainer/data/types';
import { stepsPerEpoch, TrainingLoop, type LoopResult } from '../../trainer/engine/loop';
import { deriveSeed, Rng } from '../../trainer/data/rng';
import type { PluginContext } from '../../trainer/engine/seams';
import { buildLayout } from '../../trainer/modularity/layout';
import { ModularityPlugin, modularityPlugin, type ModularityOptions, type ModularityResult } from '../../trainer/modularity/plugin';
import type { ModularitySpec } from '../../spec/types';
import type { ArmModel } from './models';

/** Steps at the start of a run left out of the step time (first-call kernel compilation). */
export const TIMING_SKIP = 10;

export interface ArmRun {
  arm: ArmModel['arm'];
  seed: number;
  loop: TrainingLoop;
  /** The modularity plugin (dynaxx arm only). */
  plugin?: ModularityPlugin;
  /** The discovery at the end (dynaxx arm only). */
  modularity?: ModularityResult;
  result: LoopResult;
  /** Validation accuracy (mean over tasks) after epoch 1, 2, ... */
  valAccuracy: number[];
  /** Per task, at the end, in [0, 1]. */
  finalTaskAccuracy: Record<string, number>;
  /**
   * Wall ms of each timed step: from one step's end to the next, leaving out the first TIMING_SKIP steps
   * and every step that follows an evaluation (the epoch's validation pass lands in that interval).
   * Metric reads (every 20 steps, with the plugin's own read) stay in, as they are part of training.
   */
  stepMs: number[];
  /** The plugin's clustering calls: host ms each (included in stepMs). */
  clusteringMs: number[];
  /** Subnetworks kept open when the masks hardened (dynaxx arm only). */
  hardened?: { step: number; hard: number[] };
  seconds: number;
}

/**
 * The control "random fixed partition + L1": the plugin with labels drawn at random (each layer's units dealt
 * round-robin into the k subnetworks, then shuffled within the layer: the sizes clustering starts from) and
 * never re-clustered. It goes through the plugin's fixed-label mode (the one growth uses, nothing frozen), so
 * masks and losses start at step 0 (no warm-up: there are no signals to wait for) and the controller is off.
 */
export function randomFixedPlugin(spec: ModularitySpec, seed: number, opts: ModularityOptions): (ctx: PluginContext) => ModularityPlugin {
  return (ctx) => {
    const layout = buildLayout(spec, ctx.net.layers);
    const rng = new Rng(deriveSeed(seed, 'bench-modularity', 'random-fixed'));
    const labels = new Int32Array(layout.items);
    for (const l of layout.layers) labels.set(rng.shuffle(Int32Array.from({ length: l.items }, (_, i) => i % spec.subnetworks)), l.offset);
    return new ModularityPlugin(ctx, spec, { ...opts, growth: { labels, theta: new Float32Array(spec.subnetworks).fill(spec.maskInit), frozen: new Map() } });
  };
}

/** `fixedRandomLabels`: train the `randomFixedPlugin` control instead of the discovery. */
export async function trainArm({ arm, model }: ArmModel, dataset: Dataset, how: { fixedRandomLabels?: boolean } = {}): Promise<ArmRun> {
  const clusteringMs: number[] = [];
  let hardened: ArmRun['hardened'];
  const opts: ModularityOptions = {
    events: {
      onClustering: (r) => clusteringMs.push(r.ms),
      onHarden: (r) => (hardened = { step: r.step, hard: r.hard }),
    },
  };
  const plugins = arm !== 'dynaxx' ? [] : [how.fixedRandomLabels ? randomFixedPlugin(model.modularity!, model.train.seed, opts) : modularityPlugin(model.modularity!, opts)];
  const loop = new TrainingLoop({ model, dataset, plugins });
  const spe = stepsPerEpoch(dataset.train, Math.min(model.train.batchSize, dataset.train.n));
  const ends = new Float64Array(loop.totalSteps + 1).fill(NaN);
  const valAccuracy: number[] = [];
  const t0 = performance.now();
  const result = await loop.run({
    onProgress: (step) => {
      if (Number.isNaN(ends[step]!)) ends[step] = performance.now();
    },
    onMetrics: (records) => {
      for (const r of records) if (r.split === 'validation' && typeof r.accuracy === 'number') valAccuracy.push(r.accuracy);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (result.status !== 'completed') {
    loop.dispose();
    throw new Error(`${arm} seed ${model.train.seed}: training ${result.status}${result.error ? `: ${result.error}` : ''}`);
  }
  const stepMs: number[] = [];
  for (let s = TIMING_SKIP + 1; s <= result.step; s++) {
    const afterEval = (s - 1) % spe === 0;
    const dt = ends[s]! - ends[s - 1]!;
    if (!afterEval && Number.isFinite(dt)) stepMs.push(dt);
  }
  const finalTaskAccuracy: Record<string, number> = {};
  for (const t of dataset.tasks) {
    const v = dataset.tasks.length > 1 ? result.final[`valAccuracy_${t.name}`] : result.final.valAccuracy;
    if (v !== undefined) finalTaskAccuracy[t.name] = v;
  }
  const plugin = loop.plugins[0] as ModularityPlugin | undefined;
  const modularity = plugin ? await plugin.result(loop.currentStep) : undefined;
  return { arm, seed: model.train.seed, loop, plugin, modularity, result, valAccuracy, finalTaskAccuracy, stepMs, clusteringMs, hardened, seconds };
}

/**
 * Trains each arm for `steps` steps and throws the run away, so that no timed run pays for the first
 * calls of kernels (wasm/JS compilation) and the first timed arm is not slower for going first.
 */
export async function warmUp(models: ArmModel[], dataset: Dataset, steps: number): Promise<void> {
  for (const m of models) {
    m.model.train.steps = steps;
    (await trainArm(m, dataset)).loop.dispose();
  }
}

/** The first epoch (1-based) whose validation accuracy reaches `target`; undefined when none does. */
export function epochsToTarget(valAccuracy: number[], target: number): number | undefined {
  const i = valAccuracy.findIndex((a) => a >= target);
  return i < 0 ? undefined : i + 1;
}

export function mean(xs: number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}
