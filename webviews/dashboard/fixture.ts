/**
 * A realistic `DashboardData` for tests, screenshots and the benchmark, deterministic (seeded): two runs of 200
 * metric records (a baseline whose deep layers blow up, and a stabilized run with spectral norms), 50 layer-statistics
 * rows × 40 layers each, a few alerts, a 4-subnetwork modularity report with its clustering history, a Pareto sweep of
 * 8 criteria × 4 targets, and a routing curve. Free of DOM and Node APIs.
 */
import type { Alert, LayerStats, MetricRecord } from '../../protocol/trainer';
import type { DashboardData, ParetoData, RoutingData, RunSeries, SubnetworkData } from '../../protocol/webview';

/** mulberry32: a small seeded generator. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
    return {
      criterion, target, seed: 0, flops, params: dense.params * (1 - flopReduction * 0.92), flopReduction,
      accuracyMean: dense.accuracyMean - quality[ci] * 0.18 * target ** 2.2 - rand() * 0.004,
      latencyMs, speedup: dense.latencyMs / latencyMs,
    };
  }));
  return { model: 'mnist-mlp.dynaxx.yaml', split: 'validation', dense, points, settings: { criteria: CRITERIA, targets, finetuneSteps: 200, schedule: 'iterative', scope: 'global' } };
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
  return { criterion: 'grad-flow', target: 0.7, signal: 'maxProb', prunedCost, accuracyFull, accuracyPruned, points, ...(noLoss ? { noLoss } : {}) };
}

/** The fixture; `standalone` as a report would set it. */
export function dashboardFixture(standalone = true): DashboardData {
  return {
    runs: [run('run-20261120-baseline', 'gpt-tiny baseline', 1, false), run('run-20261120-stable', 'gpt-tiny stabilized', 2, true)],
    subnetworks: subnetworks(),
    pareto: pareto(),
    routing: routing(),
    generatedAt: '2026-11-20T12:00:00.000Z',
    standalone,
  };
}
