/**
 * The smoothness benchmark: streams layer statistics of a 1000-layer model (and a metric record) into a running
 * dashboard at 10 updates a second, the way the extension would (`window.postMessage` of `ToWebview` messages), with
 * the stability tab shown, and records the frame times (requestAnimationFrame deltas). Bundled on its own
 * (`window.dynaxxStress`) for the headless-Chromium benchmark, loaded beside the dashboard's bundle.
 */
import type { ToWebview } from '../../protocol/webview';
import { layerIds, layerStatsRow, rng } from './fixture';

export interface StressOptions {
  layers?: number;
  updatesPerSecond?: number;
  durationMs?: number;
  /** Statistics rows the run has before streaming starts. */
  initialRows?: number;
  /** How a message reaches the dashboard (default: window.postMessage, as from the extension). */
  post?: (message: ToWebview) => void;
}

export interface StressResult {
  layers: number;
  updates: number;
  frames: number;
  durationMs: number;
  /** requestAnimationFrame deltas, ms. */
  frameMs: { mean: number; p50: number; p95: number; p99: number; max: number };
  /** Frames longer than 50 ms (a visible stutter). */
  longFrames: number;
  deltas: number[];
}

const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

export async function runStress(opts: StressOptions = {}): Promise<StressResult> {
  const layers = opts.layers ?? 1000;
  const rate = opts.updatesPerSecond ?? 10;
  const durationMs = opts.durationMs ?? 10_000;
  const post = opts.post ?? ((m: ToWebview) => window.postMessage(m, '*'));
  const rand = rng(99);
  const ids = layerIds(layers);
  const runId = 'stress';
  let step = 0;
  const row = () => layerStatsRow(ids, step / 10, rand, { spectral: true, spikeAt: 400 });
  const initial = Array.from({ length: opts.initialRows ?? 20 }, () => ({ step: (step += 10), layers: row() }));
  post({
    type: 'init',
    data: {
      runs: [{ runId, name: 'stress', status: 'running', metrics: [{ step: 0, time: Date.now(), split: 'train', loss: 2.3 }], layerStats: initial, alerts: [] }],
      generatedAt: new Date().toISOString(),
      standalone: false,
    },
  });
  await nextFrame();
  await nextFrame();
  document.querySelector<HTMLElement>('vscode-tab-header[data-view="stability"]')?.click();
  await nextFrame();

  const deltas: number[] = [];
  let updates = 0;
  const timer = window.setInterval(() => {
    step += 10;
    post({ type: 'layerStats', runId, step, layers: row() });
    post({ type: 'metrics', runId, records: [{ step, time: Date.now(), split: 'train', loss: 2.3 * Math.exp(-step / 3000), lr: 1e-3, samplesPerSec: 1500 }] });
    if (updates % 50 === 25) post({ type: 'alert', runId, alert: { kind: 'grad-norm', step, layerId: ids[Math.floor(rand() * layers)], value: 3, threshold: 1, severity: 'warning', message: 'stress alert' } });
    updates++;
  }, 1000 / rate);
  const start = performance.now();
  let last = await nextFrame();
  while (last - start < durationMs) {
    const now = await nextFrame();
    deltas.push(now - last);
    last = now;
  }
  window.clearInterval(timer);
  const sorted = [...deltas].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return {
    layers, updates, frames: deltas.length, durationMs: Math.round(last - start),
    frameMs: { mean: deltas.reduce((a, b) => a + b, 0) / Math.max(1, deltas.length), p50: q(0.5), p95: q(0.95), p99: q(0.99), max: sorted[sorted.length - 1] ?? 0 },
    longFrames: deltas.filter((d) => d > 50).length,
    deltas,
  };
}

declare global {
  interface Window { dynaxxStress?: typeof runStress }
}

if (typeof window !== 'undefined') window.dynaxxStress = runStress;
