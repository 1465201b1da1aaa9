/**
 * The training loop: reads top to bottom. One step = gather a batch on the host, upload, forward and
 * backward with tf.variableGrads, clip by global norm, optimizer update. Metrics stay on the device
 * and are read back every `logEvery` steps in one read, so a GPU is never stalled step by step.
 * No file I/O here: the session (trainer/session.ts) stores what the loop emits.
 * An optional stabilizer (engine/seams.ts) is called at fixed seams: the learning rate, the clip norm,
 * the forward context (residual factors, batchNorm momentum), after the update, and at each loss read.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Alert, MetricRecord } from '../../protocol/trainer';
import type { ModelFile } from '../../spec/types';
import { gatherBatch, permutation } from '../data/batches';
import { labelWidth, positionsOf } from '../data/positions';
import type { Dataset, Split } from '../data/types';
import type { HostArray, TrainingHook } from './hooks';
import { betweenSteps, endStep } from './between-steps';
import { collectStats } from './hooks';
import { clipScale, correctCounts, crossEntropy, globalNorm } from './loss';
import { createLrSchedule } from './lr-schedules';
import { SequentialModel } from './model';
import type { ForwardContext, NamedVariable } from './module';
import { createOptimizer, type Optimizer } from './optimizers';
import type { LoopPlugin, LoopStabilizer, PluginFactory, StabilizerFactory } from './seams';

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainingState {
  step: number;
  iterations: number;
  /** Best validation metrics so far. */
  best: Record<string, number>;
  /** Host state of each plugin (LoopPlugin.saveState), by plugin id. */
  plugins?: Record<string, unknown>;
}

export interface Snapshot {
  step: number;
  weights: HostArray[];
  optimizer: HostArray[];
  state: TrainingState;
}

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
}

export type LoopStatus = 'completed' | 'cancelled' | 'failed';

export interface LoopResult {
  status: LoopStatus;
  step: number;
  totalSteps: number;
  final: Record<string, number>;
  best: Record<string, number>;
  error?: string;
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

  constructor(private readonly opts: LoopOptions) {
    const { model, dataset } = opts;
    this.net = new SequentialModel(model.layers, model.train.seed);
    this.optimizer = createOptimizer(model.train.optimizer);
    this.batchSize = Math.min(model.train.batchSize, dataset.train.n);
    this.spe = stepsPerEpoch(dataset.train, this.batchSize);
    this.totalSteps = totalSteps(model, dataset);
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

  /** Trains to the end, or until cancelled or failed. `events` defaults to the constructor's. */
  async run(events: LoopEvents = this.opts.events ?? {}): Promise<LoopResult> {
    const { model, dataset, signal } = this.opts;
    const train = model.train;
    const tasks = dataset.tasks;
    const schedule = createLrSchedule(train.schedule, { depth: model.depth });
    const stab = this.stabilizer;
    const clipNorm = train.clipNorm > 0 ? train.clipNorm : stab?.clipNorm ?? 0;
    const extraNames = new Set(this.extra.map((v) => v.name));
    const logEvery = Math.max(1, this.opts.logEvery ?? 20);
    const evalEvery = train.evalEvery > 0 ? train.evalEvery : this.spe;
    const ckptEvery = train.checkpointEvery > 0 ? train.checkpointEvery : this.spe;
    const now = this.opts.now ?? (() => performance.now());
    const sampleSize = dataset.sampleShape.reduce((a, b) => a * b, 1);
    const xBuf = new Float32Array(this.batchSize * sampleSize);
    const width = labelWidth(tasks);
    const yBuf = new Int32Array(this.batchSize * width);
    const plugins = this.plugins;
    const probes = plugins.flatMap((p) => p.probes());
    const probeNames = new Set(probes.map((v) => v.name));
    const varList = [...[...this.vars, ...this.extra].map((v) => v.variable), ...probes];

    let lossSum: tf.Tensor = tf.scalar(0);
    let correct: tf.Tensor = tf.zeros([tasks.length]);
    let normSum: tf.Tensor = tf.scalar(0);
    let pending = 0;
    let lastRead = now();
    let lastYield = performance.now();
    let permEpoch = -1;
    let perm = new Uint32Array(0);
    let lr = train.optimizer.lr;
    const startStep = this.step;
    let lastMessage = startStep > 0 ? `resumed at step ${startStep}` : 'started';

    events.onProgress?.(this.step, this.totalSteps, lastMessage);

    /** One host read of the accumulated training metrics; returns false when the loss is not finite. */
    const flushTrain = async (): Promise<boolean> => {
      if (pending === 0) return true;
      const packed = tf.tidy(() => tf.concat([tf.reshape(lossSum, [1]), tf.reshape(normSum, [1]), correct]));
      const v = await packed.data();
      packed.dispose();
      const t = now();
      const loss = v[0] / pending;
      const rec: MetricRecord = {
        step: this.step,
        epoch: Math.floor((this.step - 1) / this.spe),
        time: Date.now(),
        split: 'train',
        loss,
        gradNorm: v[1] / pending,
        lr,
        samplesPerSec: (pending * this.batchSize * 1000) / Math.max(1e-3, t - lastRead),
      };
      addAccuracy(rec, tasks, Array.from(v.subarray(2)), pending * this.batchSize);
      lastRead = t;
      pending = 0;
      for (const old of [lossSum, correct, normSum]) old.dispose();
      lossSum = tf.scalar(0);
      correct = tf.zeros([tasks.length]);
      normSum = tf.scalar(0);
      if (!Number.isFinite(loss)) {
        events.onAlert?.({
          kind: Number.isNaN(loss) ? 'nan' : 'inf',
          step: this.step,
          value: loss,
          severity: 'error',
          message: `training loss became ${loss} by step ${this.step}; the run stops and keeps its last good checkpoint. Lower the learning rate, enable clipping (train.clipNorm) or check the data.`,
        });
        return false;
      }
      for (const p of plugins) {
        const extra = await p.onRead(this.step);
        Object.assign(rec, extra.metrics);
        for (const alert of extra.alerts) events.onAlert?.(alert);
      }
      events.onMetrics?.([rec]);
      for (const alert of stab?.onTrainLoss(this.step, loss) ?? []) events.onAlert?.(alert);
      lastMessage = `loss ${loss.toFixed(4)}`;
      events.onProgress?.(this.step, this.totalSteps, lastMessage);
      return true;
    };

    let status: LoopStatus = 'completed';
    let error: string | undefined;
    try {
      while (this.step < this.totalSteps) {
        if (signal?.aborted) {
          status = 'cancelled';
          break;
        }
        const epoch = Math.floor(this.step / this.spe);
        if (epoch !== permEpoch) {
          perm = permutation(dataset.train.n, train.seed, epoch);
          permEpoch = epoch;
        }
        const b = this.step % this.spe;
        gatherBatch(dataset.train, perm.subarray(b * this.batchSize, (b + 1) * this.batchSize), { x: xBuf, y: yBuf });
        lr = stab ? stab.lr(this.step, train.optimizer.lr) : schedule.at(this.step, this.totalSteps, train.optimizer.lr);

        const wantStats = this.opts.hooks?.filter((h) => h.every > 0 && this.step % h.every === 0) ?? [];
        const auxLosses: tf.Scalar[] = [];
        const ctx: ForwardContext = {
          training: true,
          step: this.step,
          stateUpdates: [],
          activations: wantStats.length > 0 ? new Map() : undefined,
          addLoss: (l) => auxLosses.push(tf.keep(l)),
        };
        if (stab) {
          ctx.residualScale = stab.residualScale(this.step);
          ctx.batchNormMomentum = stab.batchNormMomentum;
        }
        if (plugins.length > 0) ctx.transformOutput = composeTransforms(plugins.map((p) => p.transform(this.step, true)));
        const xs = tf.tensor(xBuf, [this.batchSize, ...dataset.sampleShape]);
        const ys = tf.tensor(yBuf, [this.batchSize, width], 'int32');
        let batchCorrect: tf.Tensor | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const logits = this.net.forward(xs, ctx);
          batchCorrect = tf.keep(correctCounts(logits, ys, tasks));
          const task = crossEntropy(logits, ys, tasks);
          const extras = plugins.map((p) => p.extraLoss(this.step)).filter((l): l is tf.Scalar => l !== undefined);
          extras.push(...auxLosses);
          return extras.length > 0 ? tf.addN([task, ...extras]) as tf.Scalar : task;
        }, varList);
        tf.dispose(auxLosses);
        const named = new Map<string, tf.Tensor>();
        const extraGrads = new Map<string, tf.Tensor>();
        const probeGrads = new Map<string, tf.Tensor>();
        for (const [k, g] of Object.entries(grads)) {
          if (probeNames.has(k)) {
            probeGrads.set(k, g);
            continue;
          }
          const name = this.byTfName.get(k) ?? k;
          (extraNames.has(name) ? extraGrads : named).set(name, g);
        }
        for (const p of plugins) p.onGradients(this.step, named, probeGrads);
        for (const g of probeGrads.values()) g.dispose();
        const norm = globalNorm([...named.values()]);
        const scale = clipNorm > 0 ? clipScale(norm, clipNorm) : undefined;
        const before = wantStats.length > 0 ? new Map(this.vars.map((v) => [v.name, v.variable.clone()])) : undefined;
        this.optimizer.apply(this.vars, named, lr, scale);
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
        for (const p of plugins) await p.afterUpdate(this.step);
        if (wantStats.length > 0) {
          await collectStats(wantStats, {
            step: this.step,
            vars: this.vars,
            grads: named,
            before: before!,
            activations: ctx.activations!,
            spectral: stab?.spectralStats(this.step),
          });
          for (const t of before!.values()) t.dispose();
          for (const t of ctx.activations!.values()) t.dispose();
        }
        const newLoss = tf.add(lossSum, value);
        const newCorrect = tf.add(correct, batchCorrect!);
        const newNorm = tf.add(normSum, norm);
        for (const t of [lossSum, correct, normSum, value, norm, xs, ys, batchCorrect!]) t.dispose();
        for (const t of named.values()) t.dispose();
        lossSum = newLoss;
        correct = newCorrect;
        normSum = newNorm;
        pending++;
        this.step++;
        endStep();
        // the step count moves every step (consumers rate-limit); the loss in the message is the last one read
        events.onProgress?.(this.step, this.totalSteps, lastMessage);

        const atEnd = this.step === this.totalSteps;
        const doEval = this.step % evalEvery === 0 || atEnd;
        const doCkpt = this.step % ckptEvery === 0 || atEnd;
        if (this.step % logEvery === 0 || doEval || doCkpt) {
          if (!(await flushTrain())) {
            status = 'failed';
            error = `loss is not finite at step ${this.step}`;
            break;
          }
        }
        if (doEval) {
          const m = await this.evaluate(dataset.validation);
          if (m) this.emitEval('validation', m, events);
        }
        if (doCkpt && events.onCheckpoint) await this.checkpoint(events);
        // let cancellation requests, I/O and the GPU driver's bookkeeping (Dawn recycles bind groups only when the
        // event loop turns) through between steps: every 8 steps, or after any step that took 20 ms or more
        if (this.step % 8 === 0 || performance.now() - lastYield >= 20) {
          await new Promise((r) => setImmediate(r));
          await betweenSteps();
          lastYield = performance.now();
        }
      }
      if (status === 'cancelled') {
        await flushTrain();
        if (events.onCheckpoint && this.step > startStep) await this.checkpoint(events);
      }
    } catch (e) {
      status = 'failed';
      error = (e as Error).message;
    } finally {
      lossSum.dispose();
      correct.dispose();
      normSum.dispose();
    }

    const final: Record<string, number> = {};
    if (status === 'completed') {
      const val = await this.evaluate(dataset.validation);
      if (val) Object.assign(final, prefixed('val', val));
      if (dataset.test) {
        const test = await this.evaluate(dataset.test);
        if (test) {
          Object.assign(final, prefixed('test', test));
          this.emitEval('test', test, events);
        }
      }
    }
    events.onProgress?.(this.step, this.totalSteps, status);
    return { status, step: this.step, totalSteps: this.totalSteps, final, best: this.best, error };
  }

  /** Loss and accuracy over a split, in batches, with one host read at the end. */
  async evaluate(split: Split, batchSize = 512): Promise<Record<string, number> | undefined> {
    if (split.n === 0) return undefined;
    const tasks = this.opts.dataset.tasks;
    const shape = this.opts.dataset.sampleShape;
    const size = shape.reduce((a, b) => a * b, 1);
    const width = labelWidth(tasks);
    let lossSum: tf.Tensor = tf.scalar(0);
    let correct: tf.Tensor = tf.zeros([tasks.length]);
    for (let i = 0; i < split.n; i += batchSize) {
      const n = Math.min(batchSize, split.n - i);
      const [l, c] = tf.tidy(() => {
        const xs = tf.tensor(split.x.subarray(i * size, (i + n) * size), [n, ...shape]);
        const ys = tf.tensor(split.y.subarray(i * width, (i + n) * width), [n, width], 'int32');
        const logits = this.net.forward(xs, this.evalContext());
        return [tf.add(lossSum, tf.mul(crossEntropy(logits, ys, tasks), n)), tf.add(correct, correctCounts(logits, ys, tasks))];
      });
      lossSum.dispose();
      correct.dispose();
      lossSum = l;
      correct = c;
    }
    const packed = tf.tidy(() => tf.concat([tf.reshape(lossSum, [1]), correct]));
    const v = await packed.data();
    tf.dispose([packed, lossSum, correct]);
    const out: Record<string, number> = { loss: v[0] / split.n };
    addAccuracy(out, tasks, Array.from(v.subarray(1)), split.n);
    return out;
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
        step: this.step, iterations: this.optimizer.iterations, best: { ...this.best },
        ...(this.plugins.length > 0 ? { plugins: Object.fromEntries(this.plugins.map((p) => [p.id, p.saveState()])) } : {}),
      },
    };
  }

  private async checkpoint(events: LoopEvents): Promise<void> {
    const snap = await this.snapshot();
    const bad = snap.weights.find((w) => !w.data.every(Number.isFinite));
    if (bad) {
      events.onAlert?.({
        kind: 'nan',
        step: this.step,
        layerId: this.vars.find((v) => v.name === bad.name)?.layerId,
        severity: 'error',
        message: `weight ${bad.name} is not finite at step ${this.step}: checkpoint skipped, the last good one is kept`,
      });
      throw new Error(`weight ${bad.name} is not finite at step ${this.step}`);
    }
    await events.onCheckpoint!(snap);
  }

  /** Loads a snapshot into the model and optimizer; names must match exactly. */
  restore(snap: Snapshot): void {
    const all = new Map([...this.vars, ...this.net.state(), ...(this.stabilizer?.state() ?? []), ...this.plugins.flatMap((p) => p.state())]
      .map((v) => [v.name, v.variable]));
    assign(all, snap.weights, 'weight');
    const slots = new Map(this.optimizer.stateVariables(this.vars).map((s) => [s.name, s.variable]));
    assign(slots, snap.optimizer, 'optimizer slot');
    this.step = snap.state.step;
    this.optimizer.iterations = snap.state.iterations;
    this.best = { ...snap.state.best };
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

function assign(target: Map<string, tf.Variable>, arrays: HostArray[], what: string): void {
  const seen = new Set<string>();
  for (const a of arrays) {
    const v = target.get(a.name);
    if (!v) throw new Error(`checkpoint has ${what} '${a.name}' that the model does not have: was the model file changed since the checkpoint?`);
    if (v.shape.join('x') !== a.shape.join('x')) {
      throw new Error(`checkpoint ${what} '${a.name}' has shape [${a.shape}] but the model expects [${v.shape}]: was the model file changed since the checkpoint?`);
    }
    const t = tf.tensor(a.data, a.shape, a.dtype);
    v.assign(t);
    t.dispose();
    seen.add(a.name);
  }
  const missing = [...target.keys()].filter((k) => !seen.has(k));
  if (missing.length) throw new Error(`checkpoint lacks ${what}s ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
}

/**
 * `accuracy`: the fraction of all labels right (n samples × labelWidth columns; the mean over tasks
 * when each has one position); `accuracy_<task>` with several tasks: correct / (n·positions).
 */
function addAccuracy(rec: Record<string, unknown>, tasks: Array<{ name: string; positions?: number }>, correct: number[], n: number): void {
  rec.accuracy = correct.reduce((a, b) => a + b, 0) / (n * labelWidth(tasks));
  if (tasks.length > 1) tasks.forEach((t, i) => (rec[`accuracy_${t.name}`] = correct[i] / (n * positionsOf(t))));
}

function prefixed(prefix: string, m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) out[`${prefix}${k[0].toUpperCase()}${k.slice(1)}`] = v;
  return out;
}
