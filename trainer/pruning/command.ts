/**
 * The pruning sweep of a completed run (`dynaxx prune`, the trainer's `prune/sweep`): the Pareto sweep of every
 * criterion on its trained model, stored with the run: `reports/pareto.json`, one export per point in
 * `export/pruned/<criterion>-<target>[-s<seed>]/`, and with routing `reports/routing.json`. Training a model file
 * first is the run assembly's (trainer/run/prune.ts); formatting the outcome is the front end's.
 *
 * Clean splits (issue 16): one `cleanSplits` for the whole sweep; every choice (the routed expert, its threshold)
 * is made on its selection split and reported on its report split (`sweepAndRoute`, route-expert.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Reporter } from '../../spec/report';
import { readPrune, readRoute } from '../../spec/prune-spec';
import type { ModelFile, PruneSpec, RouteSpec } from '../../spec/types';
import { PARETO_REPORT, ROUTING_REPORT, type RoutingReport } from '../../protocol/reports';
import type { BackendRequest } from '../../protocol/trainer';
import { initBackend } from '../backend/backends';
import { cleanSplits } from '../data/eval-split';
import { loadDataset } from '../data/load';
import { UserError } from '../errors';
import { writeExport } from '../surgery/export';
import { RunStore } from '../store/run-store';
import { loadModelFile, loadModelText } from '../../spec';
import { pruneOverrideProblems } from '../../spec/overrides';
import type { NamedArray } from '../store/checkpoint';
import { chooseExpert, routeExpert, type PrunedExpert } from './route-expert';
import { notPrunable, prunableGroups } from './structure';
import { pruneSweep, type ParetoPoint, type SweepBase, type SweepOptions, type SweepResult } from './sweep';

export { PARETO_REPORT, ROUTING_REPORT } from '../../protocol/reports';

export interface PruneOverrides {
  criteria?: string[];
  targets?: number[];
  schedule?: PruneSpec['schedule'];
  finetuneSteps?: number;
  scoreSteps?: number;
  seeds?: number;
  route?: boolean;
  /** The backend of the dense training and the sweep, over the model file's `train.backend`. */
  backend?: BackendRequest;
}

export interface PruneOutcome { runId: string; runDir: string; sweep: SweepResult; routing?: RoutingReport }

/** The prune settings: the file's `prune:` block (or the defaults) with the overrides applied. */
export function pruneSettings(model: ModelFile, o: PruneOverrides): PruneSpec {
  const r = new Reporter();
  const at = { file: model.file, line: 1, col: 1, endLine: 1, endCol: 1 };
  const base = model.prune ?? readPrune({ kind: 'scalar', value: 'on', range: at }, r).spec!;
  const spec: PruneSpec = { ...base, ...definedOnly(o) } as PruneSpec;
  for (const t of spec.targets) if (!(t > 0 && t < 100)) throw new UserError(`--targets are FLOP reductions in percent between 1 and 99, got ${t}`);
  return spec;
}

function routeSettings(model: ModelFile): RouteSpec {
  const r = new Reporter();
  return model.route ?? readRoute({ kind: 'scalar', value: 'on', range: { file: model.file, line: 1, col: 1, endLine: 1, endCol: 1 } }, r).spec!;
}

/**
 * What would stop the sweep after training, said before training: a model with no prunable layer (every reason
 * listed) or character data (one label per position; the sweep's statistics need one per sample).
 */
export function checkPrunableBeforeTraining(file: string, modelText?: string): void {
  const model = modelText === undefined ? loadModelFile(file) : loadModelText(modelText, file);
  if (model.data.source === 'text') {
    throw new UserError(`${file}: the pruning sweep needs one label per sample; text data (a character language model) has one per position, which its statistics do not handle yet`);
  }
  if (prunableGroups(model).length === 0) {
    const reasons = notPrunable(model).map((np) => `  ${np.layer}: ${np.reason}`).join('\n');
    throw new UserError(`${file}: no layer can lose channels, so there is nothing to prune (nothing was trained; the modules of dna and moe layers are not pruned):\n${reasons}`);
  }
}

/** The overrides checked by the `prune:` block's rules (a UserError naming each problem). */
export function checkPruneOverrides(o: PruneOverrides): void {
  const problems = pruneOverrideProblems(o);
  if (problems.length > 0) throw new UserError(problems.join('\n'));
}

/** Where the sweep finds the run and reports its progress. */
export interface SweepRunOptions {
  runsDir: string;
  signal?: AbortSignal;
  log?(line: string): void;
}

/** The sweep of the completed run `runId`, stored with it. */
export async function sweepRun(runId: string, o: PruneOverrides, opts: SweepRunOptions): Promise<PruneOutcome> {
  checkPruneOverrides(o);
  const log = (s: string) => opts.log?.(s);
  const store = new RunStore(opts.runsDir);
  const dir = store.open(runId);
  if (dir.meta().status !== 'completed') throw new UserError(`run ${dir.id} is ${dir.meta().status}; prune a completed run (or give a model file to train first)`);
  const model = dir.readSpec();
  const sourceText = readSource(dir.dir);
  const ckpt = dir.readCheckpoint();
  if (!ckpt) throw new UserError(`run ${dir.id} has no readable checkpoint`);
  const spec = pruneSettings(model, o);
  for (const np of notPrunable(model)) log(`not prunable: ${np.layer}: ${np.reason}`);
  await initBackend(o.backend ?? model.train.backend);
  const dataset = loadDataset(model.data, { seed: model.train.seed, baseDir: dirname(model.file) });
  const exportsDir = join(dir.dir, 'export', 'pruned');
  const route = o.route || model.route ? routeSettings(model) : undefined;
  const splits = cleanSplits(dataset, model.train.seed);
  const { sweep, routing } = await sweepAndRoute({ model, sourceText, weights: ckpt.weights, dataset, splits }, spec, route, {
    signal: opts.signal,
    onLog: log,
    onPoint: (p, done, total) => log(`[${done}/${total}] ${p.criterion} −${p.target}% FLOPs: accuracy ${pct(p.accuracyMean)} on ${splits.report.name} (${pct(p.selection!.accuracyMean)} on ${splits.select.name}), ${p.params} params, ${p.speedup.toFixed(2)}× faster`),
    onPruned: (p, pruned, weights) => writeExport(join(exportsDir, pointName(p, spec.seeds)), { ...pruned, weights: weights.filter((w) => pruned.weights.some((x) => x.name === w.name)) }),
    onSwept: (s) => {
      dir.writeReport(PARETO_REPORT, s);
    },
  });
  if (routing) dir.writeReport(ROUTING_REPORT, routing);
  return { runId: dir.id, runDir: dir.dir, sweep, ...(routing ? { routing } : {}) };
}

export interface SweepAndRouteOptions extends SweepOptions {
  /** Called with the sweep before routing starts (to store it). */
  onSwept?(sweep: SweepResult): void | Promise<void>;
}

/**
 * The domain part of `sweepRun`, no files: the Pareto sweep of `base`, then with `route` the routing of the expert
 * chosen on the selection split, its threshold chosen there too, both reported on the report split. The full expert
 * is the sweep's dense reference (or `base.weights` when the sweep gives none).
 */
export async function sweepAndRoute(base: SweepBase, spec: PruneSpec, route: RouteSpec | undefined, o: SweepAndRouteOptions = {}): Promise<{ sweep: SweepResult; routing?: RoutingReport }> {
  const { model, dataset } = base;
  if (route && !spec.targets.includes(route.target)) throw new UserError(`route.target ${route.target}% is not among the sweep's targets (${spec.targets.join(', ')}); add it to prune.targets`);
  if (route?.criterion && !spec.criteria.includes(route.criterion)) throw new UserError(`route.criterion '${route.criterion}' is not among the sweep's criteria (${spec.criteria.join(', ')}); add it to prune.criteria`);
  const splits = base.splits ?? cleanSplits(dataset, model.train.seed);
  const isCandidate = (p: ParetoPoint) => route !== undefined && p.target === route.target && p.seed === model.train.seed && (!route.criterion || p.criterion === route.criterion);
  const candidates = new Map<ParetoPoint, PrunedExpert>();
  let denseWeights: NamedArray[] = base.weights;
  const sweep = await pruneSweep({ ...base, splits }, spec, {
    ...o,
    onPruned: async (p, pruned, weights) => {
      if (isCandidate(p)) candidates.set(p, { model: pruned.model, weights: weights.filter((w) => pruned.weights.some((x) => x.name === w.name)) });
      await o.onPruned?.(p, pruned, weights);
    },
    onDense: async (weights) => {
      denseWeights = weights;
      await o.onDense?.(weights);
    },
  });
  await o.onSwept?.(sweep);
  if (!route) return { sweep };
  const expert = chooseExpert(sweep.points, route, model.train.seed, spec.targets, splits.select.name);
  o.onLog?.(`routing: expert ${expert.point.criterion} −${expert.point.target}% FLOPs, ${expert.choice.by === 'accuracy' ? `the most accurate of ${expert.choice.candidates.length} on ${splits.select.name}` : 'route.criterion'}; threshold chosen on ${splits.select.name}, reported on ${splits.report.name}`);
  const routing = await routeExpert({ model, denseWeights, dataset, splits, route, expert, pruned: candidates.get(expert.point)! });
  return { sweep, routing };
}

function pointName(p: ParetoPoint, seeds: number): string {
  return `${p.criterion}-${p.target}${seeds > 1 ? `-s${p.seed}` : ''}`;
}

function readSource(runDir: string): string {
  const file = join(runDir, 'model.dynaxx.yaml');
  if (!existsSync(file)) throw new UserError(`${runDir} has no model.dynaxx.yaml (runs from a model.json cannot be pruned yet)`);
  return readFileSync(file, 'utf8');
}


function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'route')) as Partial<T>;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
