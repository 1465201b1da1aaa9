/**
 * What the dashboard shows of runs on disk: their `DashboardData` (protocol/webview.ts), built from the stored files
 * (metrics.jsonl, layer-stats.jsonl, alerts.jsonl, reports/*.json by the names of protocol/reports.ts). One reader
 * for every way in: a standalone report (`dynaxx report <run>`, issue 7) and the trainer's `run/dashboard`, which the
 * extension asks of a local and a remote trainer alike (issue 15).
 *
 * It only reads files. The subnetwork, Pareto, routing and routing-paths views come from the FIRST run's reports;
 * every run gives its metrics, layer statistics and alerts.
 *
 * Large runs are decimated so the HTML stays small: at most `MAX_METRICS_PER_SPLIT` metric records per split,
 * `MAX_LAYER_STAT_ROWS` layer-statistics rows and `MAX_HISTORY` clusterings, evenly spaced, the first and the
 * last always kept. Alerts are never dropped.
 */
import { createHash } from 'node:crypto';
import type { DnaReport } from '../../protocol/dna';
import {
  DNA_REPORT, MODULARITY_HISTORY, MODULARITY_REPORT, PARETO_REPORT, ROUTING_REPORT,
  type ModularityReport, type RoutingReport, type RoutingSweepPoint, type SweepResult,
} from '../../protocol/reports';
import type { Alert, LayerStats, MetricRecord } from '../../protocol/trainer';
import type { DashboardData, ParetoData, RoutingData, RunSeries, RunSettings, SubnetworkData } from '../../protocol/webview';
import type { ModelFile } from '../../spec/types';
import type { NamedArray } from '../store/checkpoint';
import { RunStore, type RunDir } from '../store/run-store';
import { UserError } from '../errors';

export const MAX_METRICS_PER_SPLIT = 5000;
export const MAX_LAYER_STAT_ROWS = 500;
export const MAX_HISTORY = 500;

export interface CollectOptions {
  /** A standalone page (`dynaxx report`, the default) or data for an editor (`run/dashboard`): DashboardData.standalone. */
  standalone?: boolean;
  /** Only the first run's reports: `runs` is empty (what a finished run adds to an open dashboard). */
  reportsOnly?: boolean;
}

export function collectDashboardData(runsDir: string, runIds: string[], opts: CollectOptions = {}): DashboardData {
  if (runIds.length === 0) throw new UserError('report needs at least one run id (see `dynaxx runs`)');
  const store = new RunStore(runsDir);
  const dirs = (opts.reportsOnly ? runIds.slice(0, 1) : runIds).map((id) => store.open(id));
  try {
    const main = dirs[0]!;
    const subnetworks = subnetworkData(main);
    const sweep = main.readReport(PARETO_REPORT);
    const pareto = paretoData(sweep);
    const routing = routingData(main.readReport(ROUTING_REPORT), sweep?.criterionLabels);
    const paths = dnaData(main.readReport(DNA_REPORT));
    return {
      runs: opts.reportsOnly ? [] : dirs.map(runSeries),
      ...(subnetworks ? { subnetworks } : {}),
      ...(pareto ? { pareto } : {}),
      ...(routing ? { routing } : {}),
      ...(paths ? { paths } : {}),
      generatedAt: new Date().toISOString(),
      standalone: opts.standalone ?? true,
    };
  } finally {
    for (const d of dirs) d.close();
  }
}

function runSeries(dir: RunDir): RunSeries {
  const meta = dir.meta();
  const modelFile = meta.modelFile || specFile(dir);
  const bySplit = new Map<string, MetricRecord[]>();
  for (const r of dir.readMetrics()) {
    const list = bySplit.get(r.split) ?? [];
    list.push(r);
    bySplit.set(r.split, list);
  }
  const metrics = [...bySplit.values()].flatMap((list) => decimate(list, MAX_METRICS_PER_SPLIT)).sort((a, b) => a.step - b.step || a.time - b.time);
  const layerStats = decimate(dir.readLayerStats(), MAX_LAYER_STAT_ROWS).map((r) => ({ step: r.step, layers: r.layers as unknown as LayerStats[] }));
  const alerts = dir.readAlerts().filter((a) => typeof a.step === 'number' && typeof a.message === 'string') as unknown as Alert[];
  return { runId: dir.id, name: meta.name, status: meta.status, ...(modelFile ? { modelFile } : {}), metrics, layerStats, alerts, settings: runSettings(dir) };
}

/** run.json's outcome and spec.json's training settings (only run.json's part when spec.json is unreadable). */
function runSettings(dir: RunDir): RunSettings {
  const m = dir.meta();
  const out: RunSettings = {
    backend: m.backend, device: m.device, step: m.step, totalSteps: m.totalSteps,
    ...(m.final ? { final: m.final } : {}), ...(m.best ? { best: m.best } : {}), ...(m.error ? { error: m.error } : {}),
  };
  try {
    return { ...out, ...specSettings(dir.readSpec()) };
  } catch {
    return out; // no spec.json, or one this reader cannot follow: the run.json part only
  }
}

function specSettings(spec: ModelFile): Omit<RunSettings, 'backend' | 'device' | 'step' | 'totalSteps'> {
  const t = spec.train;
  const s = spec.stabilize;
  // source ranges differ with the file's layout, not with the architecture
  const arch = JSON.stringify({ input: spec.inputShape, layers: spec.layers }, (k, v: unknown) => (k === 'range' ? undefined : v));
  return {
    optimizer: t.optimizer.type, lr: t.optimizer.lr, seed: t.seed, batchSize: t.batchSize, clipNorm: t.clipNorm, schedule: t.schedule.type,
    params: spec.params, depth: spec.depth, modelHash: createHash('sha256').update(arch).digest('hex').slice(0, 12),
    ...(s ? {
      stabilize: {
        auto: s.auto,
        spectral: { enabled: s.spectral.enabled, initial: s.spectral.initial, final: s.spectral.final, schedule: s.spectral.schedule, every: s.spectral.every },
        residual: { mode: s.residual.mode, initial: s.residual.initial, final: s.residual.final, steps: s.residual.steps },
        lr: { enabled: s.lr.enabled, warmupSteps: s.lr.warmupSteps, peakLr: s.lr.peakLr },
        safety: { clipNorm: s.safety.clipNorm, spikeFactor: s.safety.spikeFactor, lrFactor: s.safety.lrFactor, lrSteps: s.safety.lrSteps },
        choices: s.choices.slice(0, 20),
      },
    } : {}),
  };
}

function specFile(dir: RunDir): string | undefined {
  try {
    return dir.readSpec().file || undefined;
  } catch {
    return undefined;
  }
}

/** At most `max` items, evenly spaced over the list, the first and the last kept. */
export function decimate<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  if (max < 2) return items.slice(-1);
  const out: T[] = [];
  const last = items.length - 1;
  for (let i = 0; i < max; i++) out.push(items[Math.round((i * last) / (max - 1))]!);
  return out;
}

function subnetworkData(dir: RunDir): SubnetworkData | undefined {
  const r = dir.readReport(MODULARITY_REPORT);
  if (!r) return undefined;
  const h = dir.readReport(MODULARITY_HISTORY);
  const mass = edgeMassOf(dir, r);
  return {
    k: r.k,
    hardened: r.hardened,
    tasks: r.tasks,
    layers: r.layers,
    accuracy: r.accuracy,
    subnetworks: r.subnetworks.map((s) => ({
      id: s.id, kept: s.kept, mask: s.mask, units: s.units, params: s.params, paramShare: s.paramShare,
      accuracyDrop: s.accuracyDrop, classDrop: s.classDrop, ...(s.shapley ? { shapley: s.shapley } : {}), task: s.task,
    })),
    specialization: r.specialization,
    nmi: r.nmi,
    qModularity: r.qModularity,
    ...(mass ? { edgeMass: mass } : {}),
    ...(h && h.clusterings.length > 0
      ? { history: decimate(h.clusterings, MAX_HISTORY).map((c) => ({ step: c.step, labels: c.labels, changed: c.changed, active: c.active })) }
      : {}),
    ...(h && h.layers.length > 0 ? { historyLayers: h.layers } : {}),
  };
}

function edgeMassOf(dir: RunDir, r: ModularityReport): number[][] | undefined {
  let weights: NamedArray[];
  try {
    const ckpt = dir.readCheckpoint();
    if (!ckpt) return undefined;
    weights = ckpt.weights;
  } catch {
    return undefined; // no readable checkpoint: the graph draws without edge weights
  }
  return edgeMass(r.layers, r.k, new Map(weights.map((w) => [w.name, w])));
}

/**
 * k × k weight mass Σ|W| between the subnetworks, over the kernels that connect consecutive clustered layers
 * (the modular layers and the output layer, in model order): entry [a][b] = [b][a] sums the weights between
 * units of subnetwork a on one side and b on the other; the diagonal holds the mass inside each subnetwork.
 * Kernels are [.., in, out]: a dense kernel's rows map to the previous layer's units directly or through a
 * flatten of a [H, W, C] output (row mod C), a conv kernel's input channels are the previous layer's units.
 * Undefined when a kernel is missing or its shape does not map onto the labels.
 */
export function edgeMass(layers: Array<{ id: string; labels: number[] }>, k: number, byName: Map<string, NamedArray>): number[][] | undefined {
  if (layers.length < 2) return undefined;
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 1; i < layers.length; i++) {
    const from = layers[i - 1]!.labels;
    const to = layers[i]!.labels;
    const w = byName.get(`${layers[i]!.id}/kernel`);
    if (!w || w.dtype !== 'float32') return undefined;
    const out = w.shape[w.shape.length - 1]!;
    const rows = w.data.length / out;
    const fits = w.shape.length === 2 ? rows % from.length === 0 : w.shape.length === 4 && w.shape[2] === from.length;
    if (out !== to.length || !fits) return undefined;
    for (let row = 0; row < rows; row++) {
      const a = from[row % from.length]!;
      if (a < 0 || a >= k) continue;
      const base = row * out;
      for (let c = 0; c < out; c++) {
        const b = to[c]!;
        if (b < 0 || b >= k) continue;
        const v = Math.abs(w.data[base + c]!);
        m[a]![b]! += v;
        if (a !== b) m[b]![a]! += v;
      }
    }
  }
  return m;
}

function paretoData(s: SweepResult | undefined): ParetoData | undefined {
  if (!s) return undefined;
  return {
    model: s.model,
    split: s.split,
    ...(s.selectionSplit ? { selectionSplit: s.selectionSplit } : {}),
    ...(s.splitNote ? { splitNote: s.splitNote } : {}),
    ...(s.criterionLabels ? { labels: s.criterionLabels } : {}),
    dense: { flops: s.dense.flops, params: s.dense.params, accuracyMean: s.dense.accuracyMean, latencyMs: s.dense.latencyMs },
    points: s.points.map((p) => ({
      criterion: p.criterion, target: p.target, seed: p.seed, flops: p.flops, params: p.params, flopReduction: p.flopReduction,
      accuracyMean: p.accuracyMean, ...(p.selection ? { selectionAccuracyMean: p.selection.accuracyMean } : {}), latencyMs: p.latencyMs, speedup: p.speedup,
    })),
    settings: {
      criteria: s.settings.criteria, targets: s.settings.targets, finetuneSteps: s.settings.finetuneSteps, schedule: s.settings.schedule, scope: s.settings.scope,
    },
  };
}

function routingData(r: RoutingReport | undefined, labels: Record<string, string> | undefined): RoutingData | undefined {
  if (!r) return undefined;
  const point = (p: RoutingSweepPoint) => ({ threshold: p.threshold, shareFull: p.shareFull, expectedCost: p.expectedCost, accuracy: p.accuracy });
  const label = labels?.[r.criterion];
  return {
    criterion: r.criterion,
    ...(label && label !== r.criterion ? { label } : {}),
    target: r.target,
    signal: r.signal,
    prunedCost: r.prunedCost,
    ...(r.split ? { split: r.split } : {}),
    ...(r.selection ? { selectionSplit: r.selection.split } : {}),
    ...(r.splitNote ? { splitNote: r.splitNote } : {}),
    accuracyFull: r.accuracyFull,
    accuracyPruned: r.accuracyPruned,
    points: r.points.map(point),
    ...(r.noLoss ? { noLoss: point(r.noLoss) } : {}),
  };
}

/**
 * `reports/dna.json` as stored (already the bounded summary the view draws: top paths, log-spaced ranks); one
 * whose version or layers this reader does not know is left out rather than breaking the page.
 */
export function dnaData(r: unknown): DnaReport | undefined {
  if (typeof r !== 'object' || r === null) return undefined;
  const d = r as Partial<DnaReport>;
  if (d.version !== 1 || !Array.isArray(d.layers)) return undefined;
  const ok = d.layers.every((l) => Array.isArray(l?.modules) && typeof l.trained === 'object' && l.trained !== null && typeof l.random === 'object' && l.random !== null);
  return ok ? (d as DnaReport) : undefined;
}
