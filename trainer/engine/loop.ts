/**
 * The training loop: reads top to bottom. One step = gather a batch on the host, upload, forward and
 * backward with tf.variableGrads, clip by global norm, optimizer update. Metrics stay on the device
 * and are read back every `logEvery` steps in one read, so a GPU is never stalled step by step.
 * run() reads top to bottom: setup, then per step trainStep (nextBatch, trainContext, backward, update), afterStep
 * (readTrainMetrics, evaluate, checkpoint) and yieldBetweenSteps, then finish.
 * No file I/O here: the run assembly (trainer/session.ts) stores what the loop emits.
 * An optional stabilizer (engine/seams.ts) is called at fixed seams: the learning rate, the clip norm,
 * the forward context (residual factors, batchNorm momentum), after the update, and at each loss read.
 * Each loss read also goes to the divergence rule (engine/divergence.ts): a diverged run stops as `diverged`, keeping
 * its last good checkpoint (none is written while the loss is over the rule's threshold).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Alert, MetricRecord } from '../../protocol/trainer';
import type { ModelFile } from '../../spec/types';
import { gatherBatch, permutation } from '../data/batches';
import { labelWidth } from '../data/positions';
import type { Dataset, Split } from '../data/types';
import type { TrainingHook } from './hooks';
import { betweenSteps, endStep } from './between-steps';
import { collectStats } from './hooks';
import { clipScale, correctCounts, crossEntropy, globalNorm } from './loss';
import { evaluateSplit } from './evaluate-split';
import { DivergenceRule, type Divergence, type DivergenceSettings } from './divergence';
import { createLrSchedule, type LrSchedule } from './lr-schedules';
import { SequentialModel } from './model';
import type { ForwardContext, NamedVariable } from './module';
import { createOptimizer, type Optimizer } from './optimizers';
import type { LoopPlugin, LoopStabilizer, PluginFactory, StabilizerFactory } from './seams';
import { assignArrays, type Snapshot } from './snapshot';
import { divergenceAlert, prefixed, trainRecord, TrainSums } from './train-metrics';

export type { Snapshot, TrainingState } from './snapshot';

export interface LoopEvents {
  onMetrics?(records: MetricRecord[]): void;
  onAlert?(alert: Alert): void;
  /** Called with host copies of all weights and optimizer slots; the loop waits for it. */
  onCheckpoint?(snapshot: Snapshot): Promise<void> | void;
  onProgress?(step: number, totalSteps: number, message: string): void;
}

export interface LoopOptions {
  model: ModelFile;
  dataset: Dataset;
  events?: LoopEvents;
  hooks?: TrainingHook[];
  /** Stop (with a checkpoint) when aborted. */
  signal?: AbortSignal;
  /** Read training metrics back every N steps (default 20). */
  logEvery?: number;
  /** Resume from this snapshot. */
  resume?: Snapshot;
  /** Clock for throughput (injectable for tests). */
  now?: () => number;
  /** Builds the run's stabilizer (trainer/stabilize/) once the model exists; none = the plain loop. */
  stabilizer?: StabilizerFactory;
  /** Technique plugins (trainer/modularity/, ...), built once the model exists. */
  plugins?: PluginFactory[];
  /** When the run counts as diverged (default DIVERGENCE: 100×, 3 reads). */
  divergence?: DivergenceSettings;
}

export type LoopStatus = 'completed' | 'cancelled' | 'failed' | 'diverged';

export interface LoopResult {
  status: LoopStatus;
  step: number;
  totalSteps: number;
  final: Record<string, number>;
  best: Record<string, number>;
  error?: string;
}

/** What one call of run() keeps from step to step: its settings, host buffers and device-side metric sums. */
interface RunState {
  events: LoopEvents;
  schedule: LrSchedule;
  clipNorm: number;
  logEvery: number;
  evalEvery: number;
  ckptEvery: number;
  now: () => number;
  /** Names of the stabilizer's own variables, whose gradients it applies itself. */
  extraNames: Set<string>;
  /** tfjs names of the plugins' gradient probes. */
  probeNames: Set<string>;
  /** Everything differentiated: weights, the stabilizer's variables, probes. */
  varList: tf.Variable[];
  xBuf: Float32Array;
  yBuf: Int32Array;
  /** Label columns per sample. */
  width: number;
  perm: Uint32Array;
  permEpoch: number;
  /** The learning rate of the last step (reported at each read). */
  lr: number;
  sums: TrainSums;
  lastRead: number;
  lastYield: number;
  startStep: number;
  /** The progress message: the last loss read. */
  lastMessage: string;
}

/** One step's loss, correct counts and gradients (weights by name; the stabilizer's own apart). */
interface StepGradients {
  value: tf.Scalar;
  batchCorrect: tf.Tensor;
  named: Map<string, tf.Tensor>;
  extraGrads: Map<string, tf.Tensor>;
}

export function stepsPerEpoch(train: Split, batchSize: number): number {
  return Math.max(1, Math.floor(train.n / batchSize));
}

export function totalSteps(model: ModelFile, dataset: Dataset): number {
  const t = model.train;
  return t.steps > 0 ? t.steps : t.epochs * stepsPerEpoch(dataset.train, Math.min(t.batchSize, dataset.train.n));
}

export class TrainingLoop {
  readonly net: SequentialModel;
  readonly optimizer: Optimizer;
  readonly totalSteps: number;
  readonly stabilizer: LoopStabilizer | undefined;
  readonly plugins: LoopPlugin[];
  private readonly vars: NamedVariable[];
  private readonly extra: NamedVariable[];
  private readonly byTfName = new Map<string, string>();
  private readonly batchSize: number;
  private readonly spe: number;
  private step = 0;
  private best: Record<string, number> = {};
  /** Fed every training loss read; its state goes with each checkpoint. */
  private readonly divergence: DivergenceRule;

  constructor(private readonly opts: LoopOptions) {
    const { model, dataset } = opts;
    this.net = new SequentialModel(model.layers, model.train.seed);
    this.optimizer = createOptimizer(model.train.optimizer);
    this.batchSize = Math.min(model.train.batchSize, dataset.train.n);
    this.spe = stepsPerEpoch(dataset.train, this.batchSize);
    this.totalSteps = totalSteps(model, dataset);
    this.divergence = new DivergenceRule(opts.divergence);
    this.plugins = (opts.plugins ?? []).map((f) => f({
      net: this.net, totalSteps: this.totalSteps, stepsPerEpoch: this.spe, batchSize: this.batchSize, train: model.train,
    }));
    this.vars = [...this.net.trainable(), ...this.plugins.flatMap((p) => p.trainable())];
    for (const v of this.vars) this.byTfName.set(v.variable.name, v.name);
    this.stabilizer = opts.stabilizer?.({ net: this.net, totalSteps: this.totalSteps, train: model.train });
    this.extra = this.stabilizer?.extraTrainable() ?? [];
    for (const v of this.extra) this.byTfName.set(v.variable.name, v.name);
    if (opts.resume) this.restore(opts.resume);
  }

  get currentStep(): number {
    return this.step;
  }

  /** Trains to the end, or until cancelled, diverged or failed. `events` defaults to the constructor's. */
  async run(events: LoopEvents = this.opts.events ?? {}): Promise<LoopResult> {
    const run = this.setup(events);
    let status: LoopStatus = 'completed';
    let error: string | undefined;
    let diverged: Divergence | undefined;
    try {
      while (this.step < this.totalSteps && !diverged) {
        if (this.opts.signal?.aborted) {
          status = 'cancelled';
          break;
        }
        await this.trainStep(run);
        diverged = await this.afterStep(run);
        if (!diverged) await this.yieldBetweenSteps(run);
      }
      if (status === 'cancelled') {
        diverged = await this.readTrainMetrics(run);
        if (!diverged && events.onCheckpoint && this.step > run.startStep && !this.divergence.suspect) diverged = await this.checkpoint(events);
      }
      // a run that ends while its loss is over the threshold ends with blown-up weights
      if (!diverged && status === 'completed') {
        diverged = this.divergence.end();
        if (diverged) events.onAlert?.(divergenceAlert(diverged, this.divergence.settings));
      }
      if (diverged) {
        status = 'diverged';
        error = diverged.reason;
      }
    } catch (e) {
      status = 'failed';
      error = (e as Error).message;
    } finally {
      run.sums.dispose();
    }
    return this.finish(run, status, error);
  }

  /** The settings, host buffers and device sums of one call of run(). */
  private setup(events: LoopEvents): RunState {
    const { model, dataset } = this.opts;
    const train = model.train;
    const now = this.opts.now ?? (() => performance.now());
    const sampleSize = dataset.sampleShape.reduce((a, b) => a * b, 1);
    const width = labelWidth(dataset.tasks);
    const probes = this.plugins.flatMap((p) => p.probes());
    const startStep = this.step;
    const run: RunState = {
      events,
      schedule: createLrSchedule(train.schedule, { depth: model.depth }),
      clipNorm: train.clipNorm > 0 ? train.clipNorm : this.stabilizer?.clipNorm ?? 0,
      logEvery: Math.max(1, this.opts.logEvery ?? 20),
      evalEvery: train.evalEvery > 0 ? train.evalEvery : this.spe,
      ckptEvery: train.checkpointEvery > 0 ? train.checkpointEvery : this.spe,
      now,
      extraNames: new Set(this.extra.map((v) => v.name)),
      probeNames: new Set(probes.map((v) => v.name)),
      varList: [...[...this.vars, ...this.extra].map((v) => v.variable), ...probes],
      xBuf: new Float32Array(this.batchSize * sampleSize),
      yBuf: new Int32Array(this.batchSize * width),
      width,
      perm: new Uint32Array(0),
      permEpoch: -1,
      lr: train.optimizer.lr,
      sums: new TrainSums(dataset.tasks.length),
      lastRead: now(),
      lastYield: performance.now(),
      startStep,
      lastMessage: startStep > 0 ? `resumed at step ${startStep}` : 'started',
    };
    events.onProgress?.(this.step, this.totalSteps, run.lastMessage);
    return run;
  }

  /** One training step: the batch, forward and backward, the update; its loss and accuracy stay on the device. */
  private async trainStep(run: RunState): Promise<void> {
    const { model, dataset } = this.opts;
    const base = model.train.optimizer.lr;
    this.nextBatch(run);
    run.lr = this.stabilizer ? this.stabilizer.lr(this.step, base) : run.schedule.at(this.step, this.totalSteps, base);
    const wantStats = this.opts.hooks?.filter((h) => h.every > 0 && this.step % h.every === 0) ?? [];
    const auxLosses: tf.Scalar[] = [];
    const ctx = this.trainContext(wantStats.length > 0, auxLosses);
    const xs = tf.tensor(run.xBuf, [this.batchSize, ...dataset.sampleShape]);
    const ys = tf.tensor(run.yBuf, [this.batchSize, run.width], 'int32');
    const grads = this.backward(run, ctx, xs, ys, auxLosses);
    const norm = await this.update(run, ctx, grads, wantStats);
    run.sums.add(grads.value, grads.batchCorrect, norm);
    tf.dispose([xs, ys]);
    this.step++;
    endStep();
    // the step count moves every step (consumers rate-limit); the loss in the message is the last one read
    run.events.onProgress?.(this.step, this.totalSteps, run.lastMessage);
  }

  /**
   * The update of one step: clip by global norm, the optimizer, the stabilizer's own variables, layer state (batchNorm
   * statistics), the stabilizer and plugins after the update, and the statistics hooks that asked for this step.
   * Disposes the gradients; returns the global gradient norm (the caller sums it).
   */
  private async update(run: RunState, ctx: ForwardContext, grads: StepGradients, wantStats: TrainingHook[]): Promise<tf.Tensor> {
    const stab = this.stabilizer;
    const { named, extraGrads } = grads;
    const norm = globalNorm([...named.values()]);
    const scale = run.clipNorm > 0 ? clipScale(norm, run.clipNorm) : undefined;
    const before = wantStats.length > 0 ? new Map(this.vars.map((v) => [v.name, v.variable.clone()])) : undefined;
    this.optimizer.apply(this.vars, named, run.lr, scale);
    scale?.dispose();
    if (extraGrads.size > 0) {
      stab!.applyExtraGradients(extraGrads);
      for (const g of extraGrads.values()) g.dispose();
    }
    for (const u of ctx.stateUpdates ?? []) {
      u.variable.assign(u.value);
      u.value.dispose();
    }
    stab?.afterUpdate(this.step);
    for (const p of this.plugins) await p.afterUpdate(this.step);
    if (before) {
      await collectStats(wantStats, {
        step: this.step, vars: this.vars, grads: named, before, activations: ctx.activations!, spectral: stab?.spectralStats(this.step),
      });
      for (const t of before.values()) t.dispose();
      for (const t of ctx.activations!.values()) t.dispose();
    }
    for (const t of named.values()) t.dispose();
    return norm;
  }

  /** Gathers the step's batch into the host buffers (a new permutation at each epoch). */
  private nextBatch(run: RunState): void {
    const { model, dataset } = this.opts;
    const epoch = Math.floor(this.step / this.spe);
    if (epoch !== run.permEpoch) {
      run.perm = permutation(dataset.train.n, model.train.seed, epoch);
      run.permEpoch = epoch;
    }
    const b = this.step % this.spe;
    gatherBatch(dataset.train, run.perm.subarray(b * this.batchSize, (b + 1) * this.batchSize), { x: run.xBuf, y: run.yBuf });
  }

  /** The forward context of a training step: the stabilizer's factors, the plugins' rewrites, auxiliary losses. */
  private trainContext(withActivations: boolean, auxLosses: tf.Scalar[]): ForwardContext {
    const stab = this.stabilizer;
    const ctx: ForwardContext = {
      training: true,
      step: this.step,
      stateUpdates: [],
      activations: withActivations ? new Map() : undefined,
      addLoss: (l) => auxLosses.push(tf.keep(l)),
    };
    if (stab) {
      ctx.residualScale = stab.residualScale(this.step);
      ctx.batchNormMomentum = stab.batchNormMomentum;
    }
    if (this.plugins.length > 0) ctx.transformOutput = composeTransforms(this.plugins.map((p) => p.transform(this.step, true)));
    return ctx;
  }

  /**
   * Forward and backward with tf.variableGrads: the loss (task, plugins' and layers' extra losses), the batch's
   * correct counts and the gradients, split into the model's (by name), the stabilizer's and the plugins' probes
   * (handed to the plugins, then disposed).
   */
  private backward(run: RunState, ctx: ForwardContext, xs: tf.Tensor, ys: tf.Tensor, auxLosses: tf.Scalar[]): StepGradients {
    const tasks = this.opts.dataset.tasks;
    let batchCorrect: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.net.forward(xs, ctx);
      batchCorrect = tf.keep(correctCounts(logits, ys, tasks));
      const task = crossEntropy(logits, ys, tasks);
      const extras = this.plugins.map((p) => p.extraLoss(this.step)).filter((l): l is tf.Scalar => l !== undefined);
      extras.push(...auxLosses);
      return extras.length > 0 ? tf.addN([task, ...extras]) as tf.Scalar : task;
    }, run.varList);
    tf.dispose(auxLosses);
    const named = new Map<string, tf.Tensor>();
    const extraGrads = new Map<string, tf.Tensor>();
    const probeGrads = new Map<string, tf.Tensor>();
    for (const [k, g] of Object.entries(grads)) {
      if (run.probeNames.has(k)) {
        probeGrads.set(k, g);
        continue;
      }
      const name = this.byTfName.get(k) ?? k;
      (run.extraNames.has(name) ? extraGrads : named).set(name, g);
    }
    for (const p of this.plugins) p.onGradients(this.step, named, probeGrads);
    for (const g of probeGrads.values()) g.dispose();
    return { value, batchCorrect: batchCorrect!, named, extraGrads };
  }

  /**
   * After a step: the metrics read every `logEvery` steps, evaluation and checkpoint on their schedule (no checkpoint
   * while the loss is over the divergence threshold); the divergence when the run has diverged.
   */
  private async afterStep(run: RunState): Promise<Divergence | undefined> {
    const atEnd = this.step === this.totalSteps;
    const doEval = this.step % run.evalEvery === 0 || atEnd;
    const doCkpt = this.step % run.ckptEvery === 0 || atEnd;
    if (this.step % run.logEvery === 0 || doEval || doCkpt) {
      const diverged = await this.readTrainMetrics(run);
      if (diverged) return diverged;
    }
    if (doEval) {
      const m = await this.evaluate(this.opts.dataset.validation);
      if (m) this.emitEval('validation', m, run.events);
    }
    if (doCkpt && run.events.onCheckpoint && !this.divergence.suspect) return this.checkpoint(run.events);
    return undefined;
  }

  /**
   * Lets cancellation requests, I/O and the GPU driver's bookkeeping (Dawn recycles bind groups only when the event
   * loop turns) through between steps: every 8 steps, or after any step that took 20 ms or more.
   */
  private async yieldBetweenSteps(run: RunState): Promise<void> {
    if (this.step % 8 === 0 || performance.now() - run.lastYield >= 20) {
      await new Promise((r) => setImmediate(r));
      await betweenSteps();
      run.lastYield = performance.now();
    }
  }

  /**
   * One host read of the summed training metrics: the record, plugin metrics and alerts, the divergence rule; the
   * divergence when this read decides it (a non-finite loss is not recorded: JSON has no NaN).
   */
  private async readTrainMetrics(run: RunState): Promise<Divergence | undefined> {
    if (run.sums.steps === 0) return undefined;
    const { events } = run;
    const tasks = this.opts.dataset.tasks;
    const totals = await run.sums.read();
    const t = run.now();
    const rec = trainRecord(totals, tasks, {
      step: this.step, epoch: Math.floor((this.step - 1) / this.spe), lr: run.lr, batchSize: this.batchSize, ms: t - run.lastRead,
    });
    run.lastRead = t;
    const loss = rec.loss;
    const diverged = this.divergence.observe(this.step, loss);
    if (diverged) events.onAlert?.(divergenceAlert(diverged, this.divergence.settings));
    if (!Number.isFinite(loss)) return diverged;
    for (const p of this.plugins) {
      const extra = await p.onRead(this.step);
      Object.assign(rec, extra.metrics);
      for (const alert of extra.alerts) events.onAlert?.(alert);
    }
    events.onMetrics?.([rec]);
    if (diverged) return diverged;
    for (const alert of this.stabilizer?.onTrainLoss(this.step, loss) ?? []) events.onAlert?.(alert);
    run.lastMessage = `loss ${loss.toFixed(4)}`;
    events.onProgress?.(this.step, this.totalSteps, run.lastMessage);
    return undefined;
  }

  /** The end of a run: a completed one is evaluated on validation and test; the result. */
  private async finish(run: RunState, status: LoopStatus, error: string | undefined): Promise<LoopResult> {
    const { dataset } = this.opts;
    const final: Record<string, number> = {};
    if (status === 'completed') {
      const val = await this.evaluate(dataset.validation);
      if (val) Object.assign(final, prefixed('val', val));
      if (dataset.test) {
        const test = await this.evaluate(dataset.test);
        if (test) {
          Object.assign(final, prefixed('test', test));
          this.emitEval('test', test, run.events);
        }
      }
    }
    run.events.onProgress?.(this.step, this.totalSteps, status);
    return { status, step: this.step, totalSteps: this.totalSteps, final, best: this.best, error };
  }

  /** Loss and accuracy over a split, in batches, with one host read at the end. */
  async evaluate(split: Split, batchSize = 512): Promise<Record<string, number> | undefined> {
    return evaluateSplit(this.net, () => this.evalContext(), this.opts.dataset, split, batchSize);
  }

  /** The forward context of evaluation at the current step (residual factors, plugin masks). */
  evalContext(): ForwardContext {
    const ctx: ForwardContext = { training: false, step: this.step, residualScale: this.stabilizer?.residualScale(this.step) };
    if (this.plugins.length > 0) ctx.transformOutput = composeTransforms(this.plugins.map((p) => p.transform(this.step, false)));
    return ctx;
  }

  private emitEval(split: 'validation' | 'test', m: Record<string, number>, events: LoopEvents): void {
    if (split === 'validation') {
      if (this.best.valAccuracy === undefined || m.accuracy > this.best.valAccuracy) this.best.valAccuracy = m.accuracy;
      if (this.best.valLoss === undefined || m.loss < this.best.valLoss) this.best.valLoss = m.loss;
    }
    events.onMetrics?.([{ step: this.step, epoch: Math.floor((this.step - 1) / this.spe), time: Date.now(), split, ...m }]);
  }

  /** Host copies of every weight, optimizer slot and piece of state. */
  async snapshot(): Promise<Snapshot> {
    const weights = [...this.vars, ...this.net.state(), ...(this.stabilizer?.state() ?? []), ...this.plugins.flatMap((p) => p.state())];
    const slots = this.optimizer.stateVariables(this.vars);
    const read = async (items: Array<{ name: string; variable: tf.Variable }>) =>
      Promise.all(items.map(async ({ name, variable }) => ({
        name,
        shape: variable.shape.slice(),
        dtype: 'float32' as const,
        data: (await variable.data()) as Float32Array,
      })));
    return {
      step: this.step,
      weights: await read(weights),
      optimizer: await read(slots),
      state: {
        step: this.step, iterations: this.optimizer.iterations, best: { ...this.best }, divergence: this.divergence.save(),
        ...(this.plugins.length > 0 ? { plugins: Object.fromEntries(this.plugins.map((p) => [p.id, p.saveState()])) } : {}),
      },
    };
  }

  /** Writes a checkpoint; a weight that is not finite is divergence instead (the last good checkpoint is kept). */
  private async checkpoint(events: LoopEvents): Promise<Divergence | undefined> {
    const snap = await this.snapshot();
    const bad = snap.weights.find((w) => !w.data.every(Number.isFinite));
    if (bad) {
      const value = bad.data.find((x) => !Number.isFinite(x))!;
      events.onAlert?.({
        kind: Number.isNaN(value) ? 'nan' : 'inf',
        step: this.step,
        layerId: this.vars.find((v) => v.name === bad.name)?.layerId,
        severity: 'error',
        message: `weight ${bad.name} is not finite at step ${this.step}: checkpoint skipped, the last good one is kept`,
      });
      return { kind: Number.isNaN(value) ? 'nan' : 'inf', step: this.step, loss: NaN, reason: `weight ${bad.name} is not finite at step ${this.step}` };
    }
    await events.onCheckpoint!(snap);
    return undefined;
  }

  /** Loads a snapshot into the model and optimizer; names must match exactly. */
  restore(snap: Snapshot): void {
    const all = new Map([...this.vars, ...this.net.state(), ...(this.stabilizer?.state() ?? []), ...this.plugins.flatMap((p) => p.state())]
      .map((v) => [v.name, v.variable]));
    assignArrays(all, snap.weights, 'weight');
    const slots = new Map(this.optimizer.stateVariables(this.vars).map((s) => [s.name, s.variable]));
    assignArrays(slots, snap.optimizer, 'optimizer slot');
    this.step = snap.state.step;
    this.optimizer.iterations = snap.state.iterations;
    this.best = { ...snap.state.best };
    if (snap.state.divergence) this.divergence.load(snap.state.divergence);
    for (const p of this.plugins) {
      const saved = snap.state.plugins?.[p.id];
      if (saved !== undefined) p.loadState(saved);
    }
  }

  dispose(): void {
    this.net.dispose();
    this.optimizer.dispose();
    this.stabilizer?.dispose();
    for (const p of this.plugins) p.dispose();
  }
}

/** One output rewrite from several (applied in order); undefined when none rewrites. */
function composeTransforms(fs: Array<ForwardContext['transformOutput']>): ForwardContext['transformOutput'] {
  const list = fs.filter((f): f is NonNullable<typeof f> => f !== undefined);
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return (id, y) => list.reduce((acc, f) => f(id, acc), y);
}
