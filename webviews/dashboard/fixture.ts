/**
 * A realistic `DashboardData` for tests, screenshots and the benchmark, deterministic (seeded): two runs of 200
 * metric records (a baseline whose deep layers blow up, and a stabilized run with spectral norms), 50 layer-statistics
 * rows × 40 layers each, a few alerts, a 4-subnetwork modularity report with its clustering history, a Pareto sweep of
 * 8 criteria × 4 targets, a routing curve, and the path statistics of a one-layer DNA on Fashion-MNIST patches
 * (8 hops, pool attn0..attn3, mlp0..mlp3, skip, top-1) trained and at random init, and a prune sweep of 18 points over
 * lr × stabilize × seed (`sweepFixture`). Free of DOM and Node APIs.
 */
import type { DnaModuleInfo, DnaPathStats, DnaReport, PathAssociation } from '../../protocol/dna';
import type { Alert, LayerStats, MetricRecord } from '../../protocol/trainer';
import type { MetricStats, PointOutcome, SweepParetoPoint, SweepRow, SweepView } from '../../protocol/sweep';
import type { DashboardData, ParetoData, RoutingData, RunSeries, SubnetworkData } from '../../protocol/webview';
import { mulberry32 } from '../../spec/rng';

/** A small seeded generator: the project's one (spec/rng.ts). */
export const rng = mulberry32;

/** Layer ids of a transformer-like model: embed, blocks.i.attn/mlp, head. */
export function layerIds(count: number): string[] {
  const ids = ['embed'];
  for (let i = 0; ids.length < count - 1; i++) ids.push(`blocks.${i}.attn`, `blocks.${i}.mlp`);
  return [...ids.slice(0, count - 1), 'head'];
}

/** One row of layer statistics: norms growing with depth, a blow-up from `spikeAt` in the baseline. */
export function layerStatsRow(ids: string[], t: number, rand: () => number, opts: { spectral: boolean; spikeAt?: number }): LayerStats[] {
  return ids.map((layerId, i) => {
    const depth = i / ids.length;
    const noise = () => Math.exp((rand() - 0.5) * 0.6);
    const blowUp = opts.spikeAt !== undefined && t >= opts.spikeAt && depth > 0.75 ? 10 ** (2 * (depth - 0.75) * 4 * Math.min(1, (t - opts.spikeAt) / 8)) : 1;
    const decay = Math.exp(-t / 60);
    const row: LayerStats = {
      layerId,
      gradNorm: 0.02 * (1 + 6 * depth) * (0.3 + decay) * noise() * blowUp,
      updateNorm: 2e-4 * (1 + 3 * depth) * (0.4 + decay) * noise() * Math.sqrt(blowUp),
      weightNorm: 8 + 4 * depth + t * 0.01,
      activationMean: (rand() - 0.5) * 0.1,
      activationVar: (0.8 + 1.5 * depth) * noise() * (opts.spikeAt !== undefined ? blowUp : 1),
    };
    if (opts.spectral) row.spectralNorm = Math.min(1.05, 0.7 + 0.3 * depth * (1 - decay)) * noise() ** 0.2;
    return row;
  });
}

function run(runId: string, name: string, seed: number, stabilized: boolean): RunSeries {
  const rand = rng(seed);
  const metrics: MetricRecord[] = [];
  const t0 = Date.parse('2026-11-20T10:00:00Z');
  const steps = 2000;
  const lr = (s: number) => (s < 200 ? (3e-3 * s) / 200 : 3e-3 * 0.5 * (1 + Math.cos((Math.PI * (s - 200)) / (steps - 200))));
  const lossAt = (s: number) => 0.08 + 2.2 * Math.exp(-s / (stabilized ? 380 : 520)) + (!stabilized && s > 1500 ? (s - 1500) / 2500 : 0);
  for (let i = 1; i <= 200; i++) {
    if (i % 10 === 0) {
      // every 10th record: a validation pass
      const step = i * 10;
      const loss = lossAt(step) * 1.12;
      metrics.push({ step, time: t0 + step * 90, split: 'validation', loss, accuracy: Math.min(0.99, 1.02 - loss / 2.4) });
      continue;
    }
    const step = i * 10;
    const loss = lossAt(step) * Math.exp((rand() - 0.5) * 0.35);
    metrics.push({
      step, epoch: Math.floor(step / 500), time: t0 + step * 90, split: 'train', loss,
      accuracy: Math.max(0.1, Math.min(0.995, 1.04 - loss / 2.3 + (rand() - 0.5) * 0.04)),
      lr: lr(step), gradNorm: 0.5 + rand(), samplesPerSec: (stabilized ? 1650 : 1820) * (1 + (rand() - 0.5) * 0.12),
    });
  }
  const ids = layerIds(40);
  const layerStats = Array.from({ length: 50 }, (_, t) => ({ step: (t + 1) * 40, layers: layerStatsRow(ids, t, rand, { spectral: stabilized, spikeAt: stabilized ? undefined : 36 }) }));
  const alerts: Alert[] = stabilized
    ? [{ kind: 'spectral-norm', step: 720, layerId: 'blocks.15.mlp', value: 1.07, threshold: 1.05, severity: 'warning', message: 'spectral norm of blocks.15.mlp above its bound before the rescale; the stabilizer tightened it.' }]
    : [
      { kind: 'grad-norm', step: 1480, layerId: 'blocks.17.mlp', value: 4.8, threshold: 1, severity: 'warning', message: 'gradient norm of blocks.17.mlp is 4.8× its running median: lower the learning rate or clip (train.clipNorm).' },
      { kind: 'activation-variance', step: 1560, layerId: 'blocks.18.attn', value: 310, threshold: 100, severity: 'warning', message: 'activation variance of blocks.18.attn grows step after step (310): consider stabilize: auto.' },
      { kind: 'loss-spike', step: 1640, value: 2.9, threshold: 1.5, severity: 'warning', message: 'training loss jumped to 2.9 (1.9× its moving average).' },
      { kind: 'update-norm', step: 1880, layerId: 'blocks.18.mlp', value: 0.21, threshold: 0.05, severity: 'error', message: 'updates of blocks.18.mlp are 21% of its weights per step: the layer is diverging.' },
    ];
  return { runId, name, status: 'completed', modelFile: '/work/examples/gpt-tiny.dynaxx.yaml', metrics, layerStats, alerts };
}

function subnetworks(): SubnetworkData {
  const rand = rng(7);
  const tasks = [
    { name: 'digits', classes: 10 },
    { name: 'parity', classes: 2, labels: ['even', 'odd'] },
  ];
  const k = 4;
  const masked = [{ id: 'trunk.0', units: 64 }, { id: 'trunk.1', units: 64 }, { id: 'trunk.2', units: 32 }];
  const unitsPerItem = 2;
  const historyLayers = masked.map((l) => ({ id: l.id, items: l.units / unitsPerItem, unitsPerItem, masked: true }));
  const items = historyLayers.reduce((a, l) => a + l.items, 0);
  // the final partition: contiguous blocks with a little mixing, S3 small
  const final = historyLayers.flatMap((l) => Array.from({ length: l.items }, (_, i) => {
    const f = i / l.items;
    const s = f < 0.38 ? 0 : f < 0.66 ? 1 : f < 0.9 ? 2 : 3;
    return rand() < 0.08 ? Math.floor(rand() * k) : s;
  }));
  const history = Array.from({ length: 16 }, (_, h) => {
    const settle = h / 15;
    const labels = final.map((s) => (rand() < settle ** 1.5 ? s : Math.floor(rand() * k)));
    return { step: 200 + h * 150, labels, changed: h === 0 ? items : Math.round(items * (1 - settle) * 0.6), active: h < 3 ? k : h < 10 ? k : 3 };
  });
  history[history.length - 1].labels = final;
  const layers = [
    ...historyLayers.map((l, li) => {
      const off = historyLayers.slice(0, li).reduce((a, x) => a + x.items, 0);
      const labels = final.slice(off, off + l.items).flatMap((s) => Array<number>(unitsPerItem).fill(s));
      return { id: l.id, units: l.items * unitsPerItem, masked: true, labels };
    }),
    { id: 'head.digits', units: 10, masked: false, labels: Array<number>(10).fill(-1) },
    { id: 'head.parity', units: 2, masked: false, labels: [-1, -1] },
  ];
  const serves = ['digits', 'parity', 'digits', null];
  const drops = [[31.5, 1.2], [0.8, 38.9], [12.4, 0.6], [0.3, 0.2]];
  const total = 64 * 784 + 64 * 64 + 32 * 64 + 10 * 32 + 2 * 32;
  return {
    k, hardened: true, tasks, layers, accuracy: [0.973, 0.991],
    subnetworks: Array.from({ length: k }, (_, id) => {
      const units: Record<string, number> = {};
      for (const l of layers.filter((x) => x.masked)) units[l.id] = l.labels.filter((s) => s === id).length;
      const fanIn = [784, 64, 64];
      const params = Object.values(units).reduce((a, n, i) => a + n * (fanIn[i] + 1), 0);
      return {
        id, kept: id !== 3, mask: id === 3 ? 0.04 : 1, units, params, paramShare: params / total,
        accuracyDrop: drops[id],
        classDrop: [Array.from({ length: 10 }, (_, c) => (c === 7 ? null : Math.max(0, drops[id][0] * (0.4 + 1.2 * rand())))), [drops[id][1] * 0.7, drops[id][1] * 1.3]],
        shapley: { values: [drops[id][0] * 0.9, drops[id][1] * 0.85], stderr: [0.8 + rand(), 0.5 + rand()] },
        task: serves[id],
      };
    }),
    specialization: 0.842, nmi: 0.771, qModularity: 0.418,
    edgeMass: [[0, 18.2, 9.4, 2.1], [18.2, 0, 4.7, 1.3], [9.4, 4.7, 0, 3.8], [2.1, 1.3, 3.8, 0]],
    history, historyLayers,
  };
}

const CRITERIA = ['magnitude', 'l1-norm', 'taylor', 'grad-flow', 'snip', 'synflow', 'hessian', 'random'];

function pareto(): ParetoData {
  const rand = rng(11);
  const dense = { flops: 4.2e6, params: 1.24e5, accuracyMean: 0.965, latencyMs: 1.84 };
  const targets = [0.3, 0.5, 0.7, 0.9];
  const quality = [0.5, 0.55, 0.3, 0.2, 0.45, 0.35, 0.28, 1.6];
  const points = CRITERIA.flatMap((criterion, ci) => targets.map((target) => {
    const flopReduction = target * (0.96 + rand() * 0.04);
    const flops = dense.flops * (1 - flopReduction);
    const latencyMs = dense.latencyMs * (0.22 + 0.78 * (1 - flopReduction) ** 0.85) * (1 + (rand() - 0.5) * 0.08);
    const accuracyMean = dense.accuracyMean - quality[ci] * 0.18 * target ** 2.2 - rand() * 0.004;
    return {
      criterion, target, seed: 0, flops, params: dense.params * (1 - flopReduction * 0.92), flopReduction,
      accuracyMean, selectionAccuracyMean: accuracyMean + (ci % 2 === 0 ? 0.003 : -0.002),
      latencyMs, speedup: dense.latencyMs / latencyMs,
    };
  }));
  return { model: 'mnist-mlp.dynaxx.yaml', split: 'test', selectionSplit: 'validation', labels: { snip: 'snip (channel sum)' }, dense, points, settings: { criteria: CRITERIA, targets, finetuneSteps: 200, schedule: 'iterative', scope: 'global' } };
}

function routing(): RoutingData {
  const prunedCost = 0.31;
  const accuracyFull = 0.965;
  const accuracyPruned = 0.912;
  const points = Array.from({ length: 25 }, (_, i) => {
    const threshold = 0.5 + (i / 24) * 0.49;
    const shareFull = Math.min(1, 0.02 + 0.9 * ((threshold - 0.5) / 0.49) ** 1.7);
    const accuracy = Math.min(accuracyFull + 0.002, accuracyPruned + (accuracyFull - accuracyPruned + 0.003) * (1 - Math.exp(-shareFull * 6)));
    return { threshold, shareFull, expectedCost: prunedCost + shareFull, accuracy };
  });
  const noLoss = points.find((p) => p.accuracy >= accuracyFull);
  return { criterion: 'grad-flow', target: 0.7, signal: 'maxProb', prunedCost, split: 'test', selectionSplit: 'validation', accuracyFull, accuracyPruned, points, ...(noLoss ? { noLoss } : {}) };
}

const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/**
 * `reports/dna.json` of a DNA over 4×4 patches of Fashion-MNIST (width 64), 2000 test images. Trained: attention
 * early, MLPs in the middle, more skips late, a steep power law, paths tied to the class; random init: skewed
 * routers that already cluster tokens by position (blank border patches take the same path) but hardly by class.
 */
export function dnaFixture(): DnaReport {
  const d = 64;
  const tokensPerSample = 16;
  const samples = 2000;
  const tokens = samples * tokensPerSample;
  const hops = 8;
  const attn = 8 * d * d + 4 * tokensPerSample * d; // q, k, v, o projections; scores and mixing
  const mlp = 16 * d * d; // d → 4d → d
  const router = 2 * d * 9;
  const modules: DnaModuleInfo[] = [
    ...[0, 1, 2, 3].map((i) => ({ index: i, kind: 'attention' as const, label: `attn${i}`, flopsPerToken: attn, params: 4 * d * d + 4 * d })),
    ...[0, 1, 2, 3].map((i) => ({ index: 4 + i, kind: 'mlp' as const, label: `mlp${i}`, flopsPerToken: mlp, params: 8 * d * d + 5 * d })),
    { index: 8, kind: 'identity', label: 'skip', flopsPerToken: 0, params: 0 },
  ];
  const boundFlopsPerToken = hops * (mlp + router);
  const trained = pathStats({
    seed: 31, modules, hops, tokens, router, exponent: 0.92, topShare: 0.041, distinct: 2431, r2: 0.981, entropy: 8.74, sharpen: 3,
    weights: (h, m) => (m.kind === 'attention' ? Math.max(0.05, 1.6 - h * 0.3) : m.kind === 'mlp' ? 0.4 + 0.9 * Math.sin((Math.PI * (h + 1)) / (hops + 1)) : 0.05 + h * 0.09),
    dropped: (h, r) => 0.004 + r() * 0.014 + (h === 0 ? 0.01 : 0),
    nmi: { class: [0.262, 0.071, 0.052], position: [0.402, 0.071, 0.171] },
  });
  const random = pathStats({
    seed: 77, modules, hops, tokens, router, exponent: 0.58, topShare: 0.0092, distinct: 9124, r2: 0.934, entropy: 11.93, sharpen: 1.5,
    weights: () => 1,
    dropped: (_h, r) => 0.03 + r() * 0.06,
    nmi: { class: [0.408, 0.371, 0.018], position: [0.517, 0.371, 0.206] },
  });
  const measured = (s: DnaPathStats) => s.flopsPerToken;
  const rest = 2 * 16 * 49 * d + 2 * d * 10; // patch embedding and head, per sample / token
  return {
    version: 1, step: 6000, split: 'test', samples, tokensPerSample,
    flopsPerSample: tokensPerSample * measured(trained) + rest,
    boundFlopsPerSample: tokensPerSample * boundFlopsPerToken + rest,
    layers: [{ layerId: 'dna', hops, k: 1, modules, boundFlopsPerToken, trained, random }],
  };
}

interface StatsOptions {
  seed: number; modules: DnaModuleInfo[]; hops: number; tokens: number; router: number;
  exponent: number; topShare: number; distinct: number; r2: number; entropy: number; sharpen: number;
  weights: (hop: number, m: DnaModuleInfo) => number;
  dropped: (hop: number, rand: () => number) => number;
  /** NMI, its chance level (labels shuffled), NMI of the first hop. */
  nmi: Record<'class' | 'position', [number, number, number]>;
}

function pathStats(o: StatsOptions): DnaPathStats {
  const rand = rng(o.seed);
  const dropped = Array.from({ length: o.hops }, (_, h) => o.dropped(h, rand));
  const usage = dropped.map((drop, h) => {
    const w = o.modules.map((m) => o.weights(h, m) * (0.15 + 1.85 * rand() ** 2));
    const sum = w.reduce((a, b) => a + b, 0);
    return w.map((x) => (x / sum) * (1 - drop));
  });
  const flopsPerToken = usage.reduce((a, row) => a + row.reduce((b, u, m) => b + u * o.modules[m]!.flopsPerToken, 0) + o.router, 0);
  // the most frequent paths: per hop a module drawn from the sharpened usage (an empty hop when dropped)
  const draw = (h: number, r: () => number): number[] => {
    const w = [...usage[h]!.map((u) => u ** o.sharpen), dropped[h]! ** o.sharpen];
    let x = r() * w.reduce((a, b) => a + b, 0);
    const i = w.findIndex((v) => (x -= v) < 0);
    return i < 0 || i === o.modules.length ? [] : [i];
  };
  const seen = new Set<string>();
  const paths: number[][][] = [];
  while (paths.length < 20) {
    const p = Array.from({ length: o.hops }, (_, h) => draw(h, rand));
    const key = JSON.stringify(p);
    if (seen.has(key)) continue;
    seen.add(key);
    paths.push(p);
  }
  const c = o.topShare * o.tokens;
  const countAt = (r: number) => Math.max(1, Math.round(c * r ** -o.exponent * Math.exp((rand() - 0.5) * 0.12)));
  const counts = paths.map((_, i) => countAt(i + 1)).sort((a, b) => b - a);
  const topPaths = paths.map((path, i) => ({ path, count: counts[i]!, share: counts[i]! / o.tokens }));
  const rankFrequency: Array<[number, number]> = [];
  for (let r = 1; r <= o.distinct; r = Math.max(r + 1, Math.round(r * 1.35))) rankFrequency.push([r, r <= 20 ? counts[r - 1]! : countAt(r)]);
  rankFrequency.push([o.distinct, 1]);
  const fitRanks = Math.min(1000, Math.floor((c / 2) ** (1 / o.exponent)));
  const associations: PathAssociation[] = [
    association('class', FASHION, o, topPaths, rand, (g) => (g === 1 || g === 8 ? 0.78 : g === 6 || g === 2 ? 1.12 : 1)),
    association('position', Array.from({ length: 16 }, (_, i) => `(${Math.floor(i / 4)},${i % 4})`), o, topPaths, rand,
      (g) => (g % 4 === 0 || g % 4 === 3 || g < 4 || g >= 12 ? 0.7 : 1.3)),
  ];
  for (const a of associations) for (const g of a.groups) g.flopsPerToken *= flopsPerToken;
  return {
    tokens: o.tokens, flopsPerToken, usage, dropped, distinctPaths: o.distinct, topPaths, rankFrequency,
    powerLaw: { exponent: o.exponent * (1 + (rand() - 0.5) * 0.04), intercept: Math.log(c), r2: o.r2, ranks: fitRanks },
    entropyBits: o.entropy, maxEntropyBits: o.hops * Math.log2(o.modules.length), associations,
  };
}

/** Groups of one labelling: cost relative to the mean (multiplied by the layer's FLOPs per token afterwards), three paths each. */
function association(by: 'class' | 'position', labels: string[], o: StatsOptions, top: Array<{ path: number[][] }>, rand: () => number, cost: (g: number) => number): PathAssociation {
  const tokens = Math.round(o.tokens / labels.length);
  const [nmi, nmiChance, nmiFirstHop] = o.nmi[by];
  return {
    by, nmi, nmiChance, nmiAdjusted: Math.max(0, (nmi - nmiChance) / (1 - nmiChance)), nmiFirstHop,
    groups: labels.map((label, g) => {
      // blank border patches: one path for most of their tokens, trained or not
      const border = by === 'position' && cost(g) < 1;
      const picks = new Set<number>(border ? [0] : []);
      while (picks.size < 3) picks.add(Math.floor(rand() ** 2 * top.length));
      const lead = border ? 0.3 + rand() * 0.2 : o.sharpen > 2 ? 0.12 + rand() * 0.14 : 0.02 + rand() * 0.04;
      return {
        label, tokens, flopsPerToken: cost(g) * (1 + (rand() - 0.5) * 0.1),
        topPaths: [...picks].map((i, j) => ({ path: top[i]!.path, share: lead * 0.62 ** j })),
      };
    }),
  };
}

/** The fixture; `standalone` as a report would set it. */
export function dashboardFixture(standalone = true): DashboardData {
  return {
    runs: [run('run-20261120-baseline', 'gpt-tiny baseline', 1, false), run('run-20261120-stable', 'gpt-tiny stabilized', 2, true)],
    subnetworks: subnetworks(),
    pareto: pareto(),
    routing: routing(),
    paths: dnaFixture(),
    sweep: sweepFixture(),
    generatedAt: '2026-11-20T12:00:00.000Z',
    standalone,
  };
}

/**
 * A prune sweep for the sweep view: lr (3 values over two decades: a log axis) × stabilize (off, auto) × seed (3),
 * 18 points: one diverged (lr 1e-2, off), one failed with its error, one still running; two runs are the fixture's
 * runs, the others "on another machine". Each completed run brings 2 criteria × 3 targets of Pareto points.
 */
export function sweepFixture(): SweepView {
  const rand = rng(17);
  const lrs = [1e-4, 1e-3, 1e-2];
  const modes = ['off', 'auto'];
  const seeds = [1, 2, 3];
  const axes = [
    { key: 'train.optimizer.lr', name: 'lr', seed: false }, { key: 'stabilize', name: 'stabilize', seed: false }, { key: 'train.seed', name: 'seed', seed: true },
  ];
  const local = ['run-20261120-baseline', 'run-20261120-stable'];
  const rows: SweepRow[] = [];
  const pareto: SweepParetoPoint[] = [];
  for (const lr of lrs) for (const mode of modes) for (const seed of seeds) {
    const point = rows.length;
    const runId = point < 2 ? local[point]! : `run-20261120-p${String(point).padStart(2, '0')}`;
    const base = 0.78 + 0.05 * Math.log10(lr / 1e-4) * (mode === 'auto' ? 1 : 0.4) + (rand() - 0.5) * 0.02;
    const row: SweepRow = { point, values: [lr, mode, seed], status: 'completed', outcome: 'ok', metric: base, worker: `gpu-${point % 2 ? 'b' : 'a'}:${4100 + (point % 3)}`, attempts: 1, runId };
    if (lr === 1e-2 && mode === 'off' && seed === 2) Object.assign(row, { status: 'diverged', outcome: 'diverged', metric: undefined });
    if (lr === 1e-4 && mode === 'auto' && seed === 3) Object.assign(row, { status: 'failed', outcome: 'failed', metric: undefined, runId: undefined, attempts: 2, error: 'out of memory on gpu-b </script> (retried)' });
    if (lr === 1e-2 && mode === 'auto' && seed === 3) Object.assign(row, { status: 'running', outcome: 'pending', metric: undefined });
    if (row.metric === undefined) delete row.metric;
    if (row.runId === undefined) delete row.runId;
    rows.push(row);
    if (row.outcome !== 'ok') continue;
    for (const criterion of ['l1', 'wanda']) for (const target of [0.3, 0.5, 0.7]) {
      pareto.push({ point, runId, criterion, target, flopReduction: target * (0.95 + rand() * 0.1), accuracy: base - target ** 2 * (criterion === 'l1' ? 0.3 : 0.2) - rand() * 0.03, front: false });
    }
  }
  for (const p of pareto) p.front = !pareto.some((q) => q.accuracy >= p.accuracy && q.flopReduction >= p.flopReduction && (q.accuracy > p.accuracy || q.flopReduction > p.flopReduction));
  const stats = (rs: SweepRow[]): MetricStats => {
    const xs = rs.filter((r) => r.outcome === 'ok').map((r) => r.metric!);
    const mean = xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
    const std = mean !== undefined && xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : undefined;
    const n = (o: PointOutcome) => rs.filter((r) => r.outcome === o).length;
    return { n: xs.length, ...(mean !== undefined ? { mean } : {}), ...(std !== undefined ? { std } : {}), diverged: n('diverged'), failed: n('failed'), pending: n('pending') + n('cancelled') };
  };
  const best = <T extends MetricStats & { best: boolean }>(list: T[]): T[] => {
    const top = list.filter((v) => v.mean !== undefined).sort((a, b) => b.mean! - a.mean!)[0];
    if (top) top.best = true;
    return list;
  };
  const perAxis = [0, 1].map((i) => ({
    key: axes[i]!.key, name: axes[i]!.name,
    values: best([...new Set(rows.map((r) => r.values[i]!))].map((value) => ({ value, ...stats(rows.filter((r) => r.values[i] === value)), best: false }))),
  }));
  const configurations = lrs.flatMap((lr) => modes.map((mode) => {
    const rs = rows.filter((r) => r.values[0] === lr && r.values[1] === mode);
    return { values: [lr, mode], points: rs.map((r) => r.point), ...stats(rs), best: false };
  })).sort((a, b) => (a.mean === undefined ? 1 : b.mean === undefined ? -1 : b.mean - a.mean));
  configurations[0]!.best = true;
  const counts: Record<PointOutcome, number> = { ok: 0, diverged: 0, failed: 0, cancelled: 0, pending: 0 };
  for (const r of rows) counts[r.outcome]++;
  return {
    id: 'sw-20261120-lr-stab', name: 'lr × stabilize', command: 'prune', metric: { name: 'valAccuracy', goal: 'max' }, executor: 'redis://queue.lab:6379',
    status: 'running', updatedAt: '2026-11-20T12:00:00.000Z', axes, rows, perAxis, configurations, counts,
    missingRuns: rows.flatMap((r) => (r.runId && !local.includes(r.runId) && (r.status === 'completed' || r.status === 'diverged') ? [r.runId] : [])),
    pareto,
  };
}
