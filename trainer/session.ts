/**
 * A training session: model file (or stored run) -> backend -> dataset -> run directory -> loop, with
 * everything the loop emits stored (metrics.jsonl, alerts.jsonl, TensorBoard events, checkpoints) and
 * forwarded to the caller. The CLI and the JSON-RPC trainer both start runs through here.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { dirname, join } from 'node:path';
import type { Alert, BackendId, LayerStats, MetricRecord, RunOverrides } from '../protocol/trainer';
import { loadModelText } from '../spec';
import { RUN_OVERRIDE_RULES, overrideProblems, type OverrideRule } from '../spec/overrides';
import { readModelText } from '../spec/parse';
import { Reporter } from '../spec/report';
import { resolveStabilize } from '../spec/stabilize-auto';
import { readStabilize } from '../spec/stabilize-spec';
import { SpecError, type LayerNode, type ModelFile, type SpecDiagnostic } from '../spec/types';
import { walkLayers } from '../spec/walk';
import { initBackend, type BackendChoice } from './backend/backends';
import { UserError } from './errors';
import { loadDataset } from './data/load';
import { logitWidth, positionsOf, requireOnePositionPerTask } from './data/positions';
import type { Dataset } from './data/types';
import { TrainingLoop, type LoopResult, type Snapshot } from './engine/loop';
import type { TrainingHook } from './engine/hooks';
import { DEFAULT_MONITOR_EVERY, monitorHook } from './monitors/hook';
import { DEFAULT_MONITORS, getMonitor } from './monitors/registry';
import { stabilizerFor } from './stabilize/stabilizer';
import { modularityHooks } from './modularity/run-hooks';
import { routingHooks } from './dna/run-hooks';
import { readCheckpoint } from './store/checkpoint';
import { RunStore, type RunDir } from './store/run-store';
import { checkResources } from './resources';

export interface SessionEvents {
  onMetrics?(runId: string, records: MetricRecord[]): void;
  onAlert?(runId: string, alert: Alert): void;
  onProgress?(runId: string, step: number, totalSteps: number, message: string): void;
  onLayerStats?(runId: string, step: number, layers: LayerStats[]): void;
  onLog?(level: 'info' | 'warning' | 'error', message: string): void;
}

export interface SessionOptions {
  runsDir: string;
  events?: SessionEvents;
  signal?: AbortSignal;
  logEvery?: number;
  hooks?: TrainingHook[];
  /**
   * Per-layer monitor ids (trainer/monitors/registry.ts). Default: nonfinite, grad-norm and
   * activation-variance when `train.statsEvery > 0`, none otherwise. `[]` turns them off; a list given
   * while statsEvery is 0 runs every 10 steps.
   */
  monitors?: string[];
}

export interface PreparedRun {
  runId: string;
  runDir: string;
  backend: BackendId;
  device: string;
  backendReason: string;
  totalSteps: number;
  startStep: number;
  model: ModelFile;
  dataset: Dataset;
  /** Trains to the end (or until cancelled/failed) and closes the run directory. */
  run(): Promise<LoopResult>;
}

/** A rule for every RunOverrides key, and no rule for a key it lacks (a compile error when the two drift apart). */
const OVERRIDE_RULES: Record<keyof RunOverrides, OverrideRule> = RUN_OVERRIDE_RULES;
const NO_EXTRA_RULES: Record<Exclude<keyof typeof RUN_OVERRIDE_RULES, keyof RunOverrides>, never> = {};
void NO_EXTRA_RULES;

/**
 * Checks overrides with the model file's own rules (spec/overrides.ts): `--batch-size 0` or `overrides.epochs: -1`
 * is a UserError naming the setting, the value and the rule. `where` is how the caller's user names them.
 */
export function checkOverrides(o: unknown, where = 'overrides'): void {
  const problems = overrideProblems(o, OVERRIDE_RULES, where);
  if (problems.length > 0) throw new UserError(problems.join('\n'));
}

/** Applies command-line / editor overrides to a resolved model, after checking them (checkOverrides). */
export function applyOverrides(model: ModelFile, o: RunOverrides = {}): ModelFile {
  checkOverrides(o);
  const train = { ...model.train, optimizer: { ...model.train.optimizer } };
  if (o.backend) train.backend = o.backend;
  if (o.epochs !== undefined) { train.epochs = o.epochs; train.steps = 0; }
  if (o.steps !== undefined) train.steps = o.steps;
  if (o.batchSize !== undefined) train.batchSize = o.batchSize;
  if (o.lr !== undefined) train.optimizer.lr = o.lr;
  if (o.seed !== undefined) train.seed = o.seed;
  const data = o.limit !== undefined ? { ...model.data, limit: o.limit } : model.data;
  // "Train stabilized": `stabilize: auto` resolved against this model (and the overridden train settings),
  // as if the file said it; a file's own `stabilize:` block is kept
  if (o.stabilize === 'auto' && !model.stabilize) {
    const r = new Reporter();
    const at = { file: model.file, line: 1, col: 1, endLine: 1, endCol: 1 };
    const { draft } = readStabilize({ kind: 'scalar', value: 'auto', range: at }, r);
    if (draft) {
      const stabilize = resolveStabilize(draft, { depth: model.depth, layers: model.layers, train, trainClipNormSet: train.clipNorm > 0 }, r);
      return { ...model, train, data, stabilize };
    }
  }
  return { ...model, train, data };
}

/**
 * "Discover subnetworks" (`overrides.modularity: 'on'`): the file's text with `modularity: on` appended when it
 * has no `modularity:` block, so the modular layers are widened at parse time exactly as if the file said it (lines
 * above keep their positions; the run stores this text).
 */
function withModularity(text: string, overrides: RunOverrides | undefined): string {
  if (overrides?.modularity !== 'on') return text;
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || doc.has('modularity')) return text;
  return `${text}${text.endsWith('\n') ? '' : '\n'}modularity: on\n`;
}

/** Starts a new run from a model file. Throws SpecError/BackendError/data errors before anything is written. */
export async function startRun(modelFile: string, overrides: RunOverrides | undefined, opts: SessionOptions, modelText?: string): Promise<PreparedRun> {
  // one read: the text parsed is the text stored with the run (or the text a remote client sent)
  checkOverrides(overrides);
  const sourceText = withModularity(modelText ?? readModelText(modelFile), overrides);
  const model = applyOverrides(loadModelText(sourceText, modelFile), overrides);
  const backend = await initBackend(model.train.backend);
  checkFits(model, backend, sourceText, opts);
  const dataset = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
  checkCompatible(model, dataset);
  const stats = statsHooks(model, opts);
  const modular = modularityHooks(model, (line) => opts.events?.onLog?.('info', line));
  if (modular) requireOnePositionPerTask(dataset, 'subnetwork discovery (modularity)');
  const routing = routingHooks(model, (line) => opts.events?.onLog?.('info', line));
  const loop = new TrainingLoop({
    model, dataset, hooks: [...(opts.hooks ?? []), ...stats.hooks], signal: opts.signal, logEvery: opts.logEvery, stabilizer: stabilizer(model),
    plugins: [...(modular?.plugins ?? []), ...(routing?.plugins ?? [])],
  });
  const store = new RunStore(opts.runsDir);
  const dir = store.create(model, { name: model.name, sourceText, backend: backend.backend, device: backend.device, totalSteps: loop.totalSteps });
  dir.writeSpec(model, sourceText);
  stats.attach(dir);
  modular?.attach(dir);
  routing?.attach(dir);
  opts.events?.onLog?.('info', `run ${dir.id}: backend ${backend.backend} (${backend.device}); ${backend.reason}`);
  logStabilize(dir.id, model, loop, opts);
  return wire(dir, loop, model, dataset, backend, opts, finishers([
    modular && ((l) => modular.finish(l, model, dataset, sourceText)),
    routing && ((l) => routing.finish(l, model, dataset)),
  ]));
}

/** Resumes a stored run from its latest complete checkpoint, with the resolved spec it was started with. */
export async function resumeRun(runId: string, opts: SessionOptions, backendOverride?: RunOverrides['backend']): Promise<PreparedRun> {
  const store = new RunStore(opts.runsDir);
  const dir = store.open(runId);
  dir.checkResumable(); // a damaged run.json or spec.json: say which file now, before any data is loaded
  const meta = dir.meta();
  if (meta.status === 'completed') throw new UserError(`run ${dir.id} already completed; start a new run instead`);
  if (meta.status === 'running') throw new UserError(`run ${dir.id} is still running (pid ${meta.pid}); cancel it first`);
  const model = applyOverrides(dir.readSpec(), { backend: backendOverride });
  const ckpt = readCheckpoint(dir.dir);
  for (const w of ckpt?.warnings ?? []) opts.events?.onLog?.('warning', w);
  const backend = await initBackend(model.train.backend);
  const sourceText = readSource(dir.dir);
  checkFits(model, backend, sourceText, opts);
  const dataset = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
  checkCompatible(model, dataset);
  const resume: Snapshot | undefined = ckpt
    ? { step: ckpt.step, weights: ckpt.weights, optimizer: ckpt.optimizer, state: ckpt.state as unknown as Snapshot['state'] }
    : undefined;
  const stats = statsHooks(model, opts);
  const modular = modularityHooks(model, (line) => opts.events?.onLog?.('info', line));
  if (modular) requireOnePositionPerTask(dataset, 'subnetwork discovery (modularity)');
  const routing = routingHooks(model, (line) => opts.events?.onLog?.('info', line));
  const loop = new TrainingLoop({
    model, dataset, hooks: [...(opts.hooks ?? []), ...stats.hooks], signal: opts.signal, logEvery: opts.logEvery, resume, stabilizer: stabilizer(model),
    plugins: [...(modular?.plugins ?? []), ...(routing?.plugins ?? [])],
  });
  dir.truncateMetricsAfter(resume?.step ?? 0);
  stats.attach(dir);
  modular?.attach(dir);
  routing?.attach(dir);
  dir.updateMeta({ status: 'running', pid: process.pid, backend: backend.backend, device: backend.device, error: undefined });
  opts.events?.onLog?.('info', `run ${dir.id}: resuming at step ${resume?.step ?? 0} on ${backend.backend} (${backend.device})`);
  logStabilize(dir.id, model, loop, opts);
  return wire(dir, loop, model, dataset, backend, opts, finishers([
    modular && ((l) => modular.finish(l, model, dataset, sourceText)),
    routing && ((l) => routing.finish(l, model, dataset)),
  ]));
}

/**
 * The resource check on the chosen backend, before the data is generated or a weight allocated: what cannot be
 * allocated is a SpecError at the layer (or data key) to shrink, never a RangeError mid-run; warnings are logged.
 */
function checkFits(model: ModelFile, backend: BackendChoice, sourceText: string | undefined, opts: SessionOptions): void {
  const { warnings } = checkResources(model, backend.backend, sourceText);
  for (const w of warnings) opts.events?.onLog?.('warning', `${w.range.file}:${w.range.line}:${w.range.col}: ${w.message}`);
}

type Finisher = (loop: TrainingLoop) => Promise<string[]>;

/** The end-of-run analyses of a run (modularity, routing paths), one after the other; undefined when there are none. */
function finishers(list: Array<Finisher | undefined>): Finisher | undefined {
  const present = list.filter((f): f is Finisher => f !== undefined);
  if (present.length === 0) return undefined;
  return async (loop) => {
    const lines: string[] = [];
    for (const f of present) lines.push(...(await f(loop)));
    return lines;
  };
}

/** The model file text stored with a run (for exports), when it is there. */
function readSource(runDir: string): string | undefined {
  try {
    return readFileSync(join(runDir, 'model.dynaxx.yaml'), 'utf8');
  } catch {
    return undefined;
  }
}

/** The loop's stabilizer for a model with a `stabilize:` block (seed 001), none otherwise. */
function stabilizer(model: ModelFile) {
  return model.stabilize ? stabilizerFor(model.stabilize) : undefined;
}

/** The stabilizer's settings: what the model file chose (`choices`) and what the trainer decided (`notes`). */
function logStabilize(runId: string, model: ModelFile, loop: TrainingLoop, opts: SessionOptions): void {
  if (!model.stabilize || !loop.stabilizer) return;
  const lines = [...model.stabilize.choices, ...loop.stabilizer.notes];
  for (const line of lines) opts.events?.onLog?.('info', `run ${runId}: stabilize: ${line}`);
}

/**
 * `train.statsEvery > 0`: per-layer statistics every N steps into the run's layer-stats.jsonl, and the
 * per-layer monitors on the same statistics (alerts into alerts.jsonl and to the client). With a
 * `stabilize:` block its monitors (`stabilize.monitors`, every `stabilize.monitorEvery` steps when
 * statsEvery is 0) replace the defaults; `opts.monitors` still wins.
 */
function statsHooks(model: ModelFile, opts: SessionOptions): { hooks: TrainingHook[]; attach(dir: RunDir): void } {
  let target: RunDir | undefined;
  const every = model.train.statsEvery;
  const events = opts.events;
  const hook: TrainingHook = {
    id: 'layer-stats',
    every,
    onStats: (s) => {
      if (!target) return;
      target.appendLayerStats({ step: s.step, time: Date.now(), layers: s.layers });
      events?.onLayerStats?.(target.id, s.step, s.layers);
    },
  };
  const st = model.stabilize;
  const monitors = (opts.monitors ?? st?.monitors ?? (every > 0 ? DEFAULT_MONITORS : [])).map((id) => getMonitor(id));
  const monitor = monitorHook(monitors, {
    every: every > 0 ? every : st && st.monitorEvery > 0 ? st.monitorEvery : DEFAULT_MONITOR_EVERY,
    emit: (alert) => {
      if (target) emitAlert(target, opts, alert);
    },
  });
  return { hooks: [hook, monitor].filter((h) => h.every > 0), attach: (dir) => (target = dir) };
}

/** Every alert, from the loop or a monitor: stored in alerts.jsonl, then sent on. */
function emitAlert(dir: RunDir, opts: SessionOptions, alert: Alert): void {
  dir.appendAlert(alert);
  opts.events?.onAlert?.(dir.id, alert);
}

/** Wires a loop to its run directory and the caller's events; `finish` runs after a completed run. */
export function wire(
  dir: RunDir,
  loop: TrainingLoop,
  model: ModelFile,
  dataset: Dataset,
  backend: { backend: BackendId; device: string; reason: string },
  opts: SessionOptions,
  finish?: (loop: TrainingLoop) => Promise<string[]>,
): PreparedRun {
  const ev = opts.events ?? {};
  let lastMetaUpdate = 0;
  const events = {
    onMetrics(records: MetricRecord[]) {
      for (const r of records) {
        dir.appendMetrics(r);
        const w = dir.eventWriter(r.split);
        for (const [k, v] of Object.entries(r)) {
          if (typeof v === 'number' && k !== 'step' && k !== 'epoch' && k !== 'time') w.scalar(k, v, r.step, r.time / 1000);
        }
      }
      ev.onMetrics?.(dir.id, records);
    },
    onAlert: (alert: Alert) => emitAlert(dir, opts, alert),
    async onCheckpoint(s: Snapshot) {
      dir.writeCheckpoint(s.step, { weights: s.weights, optimizer: s.optimizer, state: { ...s.state } }); // records it (relative) in run.json
      dir.updateMeta({ step: s.step, best: s.state.best });
    },
    onProgress(step: number, total: number, message: string) {
      const t = Date.now();
      if (t - lastMetaUpdate > 2000) {
        lastMetaUpdate = t;
        dir.updateMeta({ step });
      }
      ev.onProgress?.(dir.id, step, total, message);
    },
  };
  return {
    runId: dir.id,
    runDir: dir.dir,
    backend: backend.backend,
    device: backend.device,
    backendReason: backend.reason,
    totalSteps: loop.totalSteps,
    startStep: loop.currentStep,
    model,
    dataset,
    async run() {
      let result: LoopResult;
      try {
        result = await loop.run(events);
      } catch (e) {
        result = { status: 'failed', step: loop.currentStep, totalSteps: loop.totalSteps, final: {}, best: {}, error: (e as Error).message };
      }
      if (result.status === 'completed' && finish) {
        try {
          for (const line of await finish(loop)) ev.onLog?.('info', line);
        } catch (e) {
          ev.onLog?.('error', `run ${dir.id}: the end-of-run analysis failed (the run and its checkpoints are complete): ${(e as Error).message}`);
        }
      }
      dir.updateMeta({
        status: result.status,
        step: result.step,
        final: Object.keys(result.final).length ? result.final : undefined,
        best: result.best,
        error: result.error,
        pid: undefined,
      });
      dir.close();
      loop.dispose();
      return result;
    },
  };
}

/**
 * The model's input and output must fit the data: errors point at the model file. The output holds
 * Σ classes·positions logits, flat or, for one positioned task (text: T positions, V characters), as
 * [T, V]; a text dataset's vocabulary must fit every embedding (inputDim ≥ V).
 */
export function checkCompatible(model: ModelFile, dataset: Dataset): void {
  const at = (node: LayerNode | undefined) => node?.range ?? { file: model.file, line: 1, col: 1, endLine: 1, endCol: 1 };
  const first = model.layers[0];
  const last = model.layers[model.layers.length - 1];
  if (model.inputShape.join('x') !== dataset.sampleShape.join('x')) {
    throw new SpecError([{
      range: at(first), severity: 'error', code: 'data-shape',
      message: `the model's input is [${model.inputShape}] but ${dataset.name} gives samples of shape [${dataset.sampleShape}]; set model.input to [${dataset.sampleShape}] or data.shape to [${model.inputShape}]`,
    }]);
  }
  const problems: SpecDiagnostic[] = [];
  const vocab = dataset.vocabulary?.length;
  if (vocab !== undefined) {
    for (const node of walkLayers(model.layers)) {
      const inputDim = node.type === 'embedding' ? (node as LayerNode<'embedding'>).config.inputDim : vocab;
      if (inputDim >= vocab) continue;
      problems.push({
        range: at(node), severity: 'error', code: 'data-shape',
        message: `embedding '${node.id}' has inputDim ${inputDim}, but ${dataset.name} has ${vocab} distinct characters (token ids 0..${vocab - 1}); set inputDim: ${vocab}`,
      });
    }
  }
  const outputError = logitsMismatch(last?.outputShape ?? model.inputShape, dataset);
  if (outputError) problems.push({ range: at(last), severity: 'error', code: 'data-shape', message: outputError });
  if (problems.length > 0) throw new SpecError(problems);
}

/** Why `out` (the model's output shape) does not fit the dataset's tasks, or undefined when it does. */
function logitsMismatch(out: number[], dataset: Dataset): string | undefined {
  const tasks = dataset.tasks;
  const need = logitWidth(tasks);
  if (out.length === 1 && out[0] === need) return undefined;
  const only = tasks.length === 1 ? tasks[0]! : undefined;
  const P = only ? positionsOf(only) : 1;
  if (only && P > 1) {
    if (out.length === 2 && out[0] === P && out[1] === only.classes) return undefined;
    const vocab = dataset.vocabulary ? ` (${only.classes} distinct characters)` : '';
    return `the model's output is [${out}] but ${dataset.name} needs [${P}, ${only.classes}] logits: task '${only.name}' has ${only.classes} classes${vocab} ` +
      `at each of ${P} positions; end the model with a dense layer of ${only.classes} units on the [${P}, d] sequence (or a flat output of ${need} units)`;
  }
  const classes = tasks.reduce((a, t) => a + t.classes, 0);
  const what = tasks.length > 1
    ? `${tasks.length} tasks with ${tasks.map((t) => (positionsOf(t) > 1 ? `${positionsOf(t)}×${t.classes}` : `${t.classes}`)).join('+')} classes`
    : `${classes} classes`;
  return `the model's output is [${out}] but ${dataset.name} has ${what}; end the model with a layer of ${need} units (flatten first if the output has more than one axis)`;
}
