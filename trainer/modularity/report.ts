/**
 * The analysis stored with a modular run (`reports/modularity.json`, for the CLI and the dashboards):
 * per subnetwork its units per layer, parameters and share, mask, ablation effect on every task and class,
 * an approximate Shapley contribution and the task it serves; for the partition its specialization score,
 * NMI against the units' dominant tasks and the Q-modularity of the hidden weight graph. When the masks
 * are hard, the kept subnetworks are exported as a physically smaller model (`export/`), whose accuracy is
 * measured on the same split. Every number is on `evaluationSplit` (test when the data has one); the one choice, the
 * most specialised subnetwork (`best`), is made on another split (`bestChosenOn`: validation, or a training sample
 * when the numbers are on validation) and reported with this split's drops (issue 16).
 */
import { join } from 'node:path';
import type { ModelFile } from '../../spec/types';
import { evaluationSplit, reportOnly, selecting, selectionBeside } from '../data/eval-split';
import { requireOnePositionPerTask } from '../data/positions';
import type { Dataset, Split } from '../data/types';
import type { SequentialModel } from '../engine/model';
import { netWith } from '../engine/weights';
import type { NamedArray } from '../store/checkpoint';
import { ablationTable, bestSpecialized, specializedIn, specialization } from './analysis/ablation';
import { evaluateMasked } from './analysis/masked-eval';
import { subsampleSplit } from './analysis/subsample';
import { shapleyValues, MAX_SHAPLEY_SUBNETWORKS } from './analysis/shapley';
import type { ForwardNet, Partition, UnitMasks } from './analysis/types';
import { dominantTask, unitTaskAttribution } from './analysis/unit-tasks';
import { nmi, qModularity } from './cluster/metrics';
import { weightGraph } from './cluster/spectral';
import { writeExport } from '../surgery/export';
import { extractModel } from './extract';
import { unitLabels } from './layout';
import type { ModularityResult } from './plugin';
import type { ModularityReport, SubnetworkReport } from '../../protocol/reports';

export { MODULARITY_HISTORY, MODULARITY_REPORT, type ModularityReport, type SubnetworkReport } from '../../protocol/reports';

export interface AnalyzeOptions {
  /** Shapley permutations (0 = skip). Default 10. */
  shapleyPermutations?: number;
  /** Ablations run on at most this many samples of the split (a seeded subset). Default 4096. */
  maxSamples?: number;
  /** Write the export of the kept subnetworks here (when the masks are hard). */
  exportDir?: string;
  sourceText?: string;
}


/** The partition of the masked layers' units, and the masks in force (hard or soft) as unit masks. */
export function partitionOf(r: ModularityResult): { partition: Partition; masks: UnitMasks } {
  const partition: Partition = { k: r.k, layers: [] };
  const masks: UnitMasks = new Map();
  for (const l of r.layout.layers) {
    if (!l.masked) continue;
    const labels = unitLabels(l, r.labels);
    partition.layers.push({ layerId: l.id, labels });
    masks.set(l.id, Float32Array.from(labels, (s) => (s >= 0 ? r.masks[s]! : 1)));
  }
  return { partition, masks };
}

export async function analyzeModularity(
  net: SequentialModel, model: ModelFile, dataset: Dataset, r: ModularityResult, weights: NamedArray[], step: number, opts: AnalyzeOptions = {},
): Promise<ModularityReport> {
  requireOnePositionPerTask(dataset, 'the modularity analysis');
  const { name: splitName, split: full } = evaluationSplit(dataset);
  const tasks = dataset.tasks;
  const size = dataset.sampleShape.reduce((a, b) => a * b, 1);
  const split = reportOnly(subsampleSplit(full, size, tasks.length, opts.maxSamples ?? 4096, model.train.seed), splitName);
  const { partition, masks } = partitionOf(r);
  const ablation = await ablationTable(net, split, tasks, dataset.sampleShape, partition, masks);
  // the most specialised subnetwork is a choice: made on another split, reported with this split's drops
  const chooseOn = selectionBeside(dataset, model.train.seed);
  const chosen = await selecting('the most specialised subnetwork', async () => {
    const pick = subsampleSplit(chooseOn.split, size, tasks.length, opts.maxSamples ?? 4096, model.train.seed);
    return bestSpecialized((await ablationTable(net, pick, tasks, dataset.sampleShape, partition, masks)).rows);
  });
  const best = chosen && specializedIn(chosen, ablation.rows);
  const permutations = opts.shapleyPermutations ?? 10;
  const shapley = permutations > 0 && r.k <= MAX_SHAPLEY_SUBNETWORKS
    ? await shapleyValues(net, split, tasks, dataset.sampleShape, partition, { permutations, base: masks, maxSamples: 512, seed: model.train.seed })
    : undefined;
  const attribution = await unitTaskAttribution(net, split, tasks, dataset.sampleShape, partition.layers.map((l) => l.layerId), { maxSamples: 512, masks });
  const unitTask = new Map(partition.layers.map((l) => [l.layerId, dominantTask(attribution.get(l.layerId)!, tasks)]));

  // NMI over units that serve a task
  const subs: number[] = [];
  const serve: number[] = [];
  for (const l of partition.layers) {
    const t = unitTask.get(l.layerId)!;
    l.labels.forEach((s, u) => {
      if (t[u]! >= 0 && s >= 0) {
        subs.push(s);
        serve.push(t[u]!);
      }
    });
  }
  const byName = new Map(weights.map((w) => [w.name, w]));
  const subnetworks: SubnetworkReport[] = [];
  for (let s = 0; s < r.k; s++) {
    const units: Record<string, number> = {};
    const indices: Record<string, number[]> = {};
    let params = 0;
    const taskVotes = new Array<number>(tasks.length).fill(0);
    for (const l of partition.layers) {
      const idx: number[] = [];
      l.labels.forEach((x, u) => {
        if (x === s) idx.push(u);
      });
      units[l.layerId] = idx.length;
      indices[l.layerId] = idx;
      const kernel = byName.get(`${l.layerId}/kernel`);
      const fanIn = kernel ? kernel.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 0;
      const bias = byName.has(`${l.layerId}/bias`) ? 1 : 0;
      params += idx.length * (fanIn + bias);
      const t = unitTask.get(l.layerId)!;
      for (const u of idx) if (t[u]! >= 0) taskVotes[t[u]!]!++;
    }
    const row = ablation.rows[s]!;
    const best = taskVotes.reduce((b, v, i) => (v > taskVotes[b]! ? i : b), 0);
    subnetworks.push({
      id: s,
      kept: r.masks[s]! > 0.5,
      mask: r.masks[s]!,
      units,
      indices,
      params,
      paramShare: params / model.params,
      accuracyDrop: row.accuracyDrop,
      classDrop: row.classDrop.map((c) => c.map((v) => (Number.isFinite(v) ? v : null))),
      ...(shapley ? { shapley: { values: shapley.values[s]!, stderr: shapley.stderr[s]! } } : {}),
      task: taskVotes[best]! > 0 ? tasks[best]!.name : null,
    });
  }
  const used = subnetworks.filter((s) => Object.values(s.units).some((n) => n > 0));
  const report: ModularityReport = {
    version: 1,
    step,
    k: r.k,
    hardened: r.hardened,
    clustering: model.modularity?.clustering ?? '',
    split: splitName,
    samples: split.n,
    tasks: tasks.map((t) => ({ name: t.name, classes: t.classes, ...(t.labels ? { labels: t.labels } : {}) })),
    layers: r.layout.layers.map((l) => ({ id: l.id, units: l.units, masked: l.masked, labels: Array.from(unitLabels(l, r.labels)) })),
    accuracy: ablation.full.accuracy,
    subnetworks,
    active: used.filter((s) => s.kept).length,
    specialization: specialization(ablation.rows.filter((x) => used.some((u) => u.id === x.subnetwork))),
    ...(best ? { best, bestChosenOn: chooseOn.name } : {}),
    nmi: subs.length > 0 ? nmi(Int32Array.from(subs), Int32Array.from(serve)) : 0,
    qModularity: hiddenQ(partition, byName),
  };
  if (r.hardened && opts.exportDir && opts.sourceText !== undefined) {
    report.export = await exportKept(model, opts.sourceText, weights, partition, r, dataset, full, opts.exportDir);
  }
  return report;
}

/** Q of the weight graph between consecutive modular dense layers (nodes = their units), under the partition. */
export function hiddenQ(partition: Partition, byName: Map<string, NamedArray>): number | null {
  const ls = partition.layers;
  if (ls.length < 2) return null;
  const kernels = [];
  for (let i = 1; i < ls.length; i++) {
    const w = byName.get(`${ls[i]!.layerId}/kernel`);
    if (!w || w.shape.length !== 2 || w.shape[0] !== ls[i - 1]!.labels.length) return null;
    kernels.push({ kernel: Float32Array.from(w.data), rows: w.shape[0]!, cols: w.shape[1]! });
  }
  const g = weightGraph(kernels);
  const labels = new Int32Array(g.n);
  let o = 0;
  for (const l of ls) {
    labels.set(l.labels, o);
    o += l.labels.length;
  }
  return qModularity(g.adjacency, g.n, labels);
}

/** Physically removes the units of closed subnetworks (or of every subnetwork not in `only`) and writes the export. */
export async function exportKept(
  model: ModelFile, sourceText: string, weights: NamedArray[], partition: Partition, r: ModularityResult,
  dataset: Dataset, split: Split, dir: string, only?: Set<number>,
): Promise<NonNullable<ModularityReport['export']>> {
  const keep = new Map<string, number[]>();
  for (const l of partition.layers) {
    const idx: number[] = [];
    l.labels.forEach((s, u) => {
      const open = only ? only.has(s) : s < 0 || r.masks[s]! > 0.5;
      if (open) idx.push(u);
    });
    keep.set(l.layerId, idx);
  }
  const result = extractModel(model, sourceText, weights.filter((w) => !w.name.startsWith('modularity/')), keep);
  writeExport(dir, result);
  const net = netWith({ ...result.model, train: model.train }, result.weights, true);
  try {
    const ev = await evaluateMasked(net as ForwardNet, split, dataset.tasks, dataset.sampleShape);
    return { dir, params: result.params, flops: result.flops, accuracy: ev.accuracy, fullParams: model.params, fullFlops: model.flops, removed: result.removed };
  } finally {
    net.dispose();
  }
}

/** The export folder of a run. */
export function exportDirOf(runDir: string, name = 'modules'): string {
  return join(runDir, 'export', name);
}

/** A few lines for the CLI and the log. */
export function summarize(r: ModularityReport): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `modularity: ${r.active} active subnetworks of k = ${r.k} (${r.hardened ? 'hard masks' : 'soft masks'}), accuracy ${r.tasks.map((t, i) => `${t.name} ${pct(r.accuracy[i]!)}`).join(', ')} on ${r.samples} ${r.split} samples`,
  ];
  const q = r.qModularity !== null ? `Q-modularity ${r.qModularity.toFixed(3)}` : '';
  lines.push(r.tasks.length > 1
    ? `  specialization ${r.specialization.toFixed(3)}, NMI with served task ${r.nmi.toFixed(3)}${q ? `, ${q}` : ''}`
    : `  one task: the table shows the class each subnetwork's removal hurts most${q ? `; ${q}` : ''}`);
  const single = r.tasks.length === 1;
  const task0 = r.tasks[0]!;
  const head = ['sub', 'kept', 'units', 'params', ...r.tasks.map((t) => `drop ${t.name}`), ...(r.subnetworks[0]?.shapley ? r.tasks.map((t) => `shapley ${t.name}`) : []),
    single ? 'most hurt class' : 'serves'];
  const hurt = (s: SubnetworkReport): string => {
    const drops = s.classDrop[0] ?? [];
    let best = -1;
    drops.forEach((d, c) => {
      if (d !== null && (best < 0 || d > drops[best]!)) best = c;
    });
    return best < 0 ? '-' : `${task0.labels?.[best] ?? `class ${best}`} ${drops[best]!.toFixed(1)} pt`;
  };
  const rows = r.subnetworks.filter((s) => Object.values(s.units).some((n) => n > 0)).map((s) => [
    String(s.id), s.kept ? 'yes' : 'no', Object.values(s.units).join('+'), `${s.params} (${pct(s.paramShare)})`,
    ...s.accuracyDrop.map((d) => `${d.toFixed(1)} pt`), ...(s.shapley ? s.shapley.values.map((v) => `${v.toFixed(1)} pt`) : []), single ? hurt(s) : s.task ?? '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  lines.push(fmt(head), ...rows.map(fmt));
  if (r.best && !single) lines.push(`  most specialised${r.bestChosenOn ? ` (chosen on ${r.bestChosenOn})` : ''}: subnetwork ${r.best.subnetwork} (removing it costs ${r.tasks[r.best.task]?.name} ${r.best.drops[r.best.task]!.toFixed(1)} points, the others at most ${(Math.max(0, ...r.best.drops.filter((_, i) => i !== r.best!.task))).toFixed(1)})`);
  if (r.export) lines.push(`  export: ${r.export.params} params (${pct(r.export.params / r.export.fullParams)} of ${r.export.fullParams}), accuracy ${r.export.accuracy.map((a) => pct(a)).join(', ')} -> ${r.export.dir}`);
  return lines;
}
