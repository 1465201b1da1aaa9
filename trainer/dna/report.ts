/**
 * The end-of-run analysis of routed layers (`dna`, `moe`): `reports/dna.json` (protocol/dna.ts). The model runs
 * in evaluation mode over (at most `maxSamples` of) the test split — the validation split when there is no test —
 * with every routed layer tracing its decisions (dispatch and top-k selection per hop); the decisions become
 * paths and their statistics (trainer/dna/analysis/). The same is done for the model as initialised (same layers,
 * same seed, before any step): the reviewers' check that random routers already "cluster".
 * Token labellings: the sample's class (single-label tasks), the patch position (after a `patchEmbed`), and for
 * character input the character and its category.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DnaLayerReport, DnaModuleInfo, DnaReport } from '../../protocol/dna';
import { DNA_REPORT } from '../../protocol/reports';
import type { ModelFile } from '../../spec/types';
import { labelWidth, positionsOf } from '../data/positions';
import type { Dataset, Split } from '../data/types';
import { SequentialModel } from '../engine/model';
import type { PatchEmbed } from '../engine/layers/patch-embed';
import { pathStats, type Labelling, type RoutedTokens } from './analysis/paths';
import { summaryLines } from './analysis/summary';
import { layerFlopsPerSample, routedLayers, unroutedFlops } from './plugin';
import type { RoutedLayer } from './routed';

export { DNA_REPORT };

export interface RoutingAnalysisOptions {
  /** Samples analysed at most (default 2048). */
  maxSamples?: number;
  batchSize?: number;
}

interface Trace {
  choices: Int16Array;
  dropped: Uint8Array;
}

/** Runs `net` over the first `n` samples of `split` and records every routed layer's decisions. */
async function traceRouting(net: SequentialModel, split: Split, shape: number[], n: number, batchSize: number): Promise<Trace[]> {
  const layers = routedLayers(net);
  const size = shape.reduce((a, b) => a * b, 1);
  const traces = layers.map((l) => {
    const len = n * l.tokensPerSample * l.hops * l.k;
    return { choices: new Int16Array(len).fill(-1), dropped: new Uint8Array(len) };
  });
  try {
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      for (const l of layers) l.trace = [];
      tf.tidy(() => {
        const x = tf.tensor(split.x.subarray(start * size, (start + b) * size), [b, ...shape]);
        net.forward(x, { training: false, step: 0 });
      });
      for (const [li, l] of layers.entries()) {
        const m = l.kinds.length;
        const tokens = b * l.tokensPerSample;
        const first = start * l.tokensPerSample;
        const hops = l.trace!;
        for (const [h, t] of hops.entries()) {
          const v = await t.data();
          for (let i = 0; i < tokens; i++) {
            let slot = ((first + i) * l.hops + h) * l.k;
            const end = slot + l.k;
            const row = i * 2 * m;
            for (let j = 0; j < m; j++) if (v[row + j] > 0.5) traces[li]!.choices[slot++] = j;
            for (let j = 0; j < m && slot < end; j++) {
              if (v[row + m + j] > 0.5 && v[row + j] < 0.5) traces[li]!.dropped[slot++] = 1;
            }
          }
        }
        tf.dispose(hops);
        l.trace = undefined;
      }
    }
  } finally {
    for (const l of layers) {
      if (l.trace) tf.dispose(l.trace);
      l.trace = undefined;
    }
  }
  return traces;
}

const CHAR_TYPES = ['lower', 'upper', 'digit', 'space', 'newline', 'punctuation', 'other'];

/** The category of a character named as the text source names them ('␣' space, '\n' newline). */
function charType(name: string): number {
  if (name === '␣' || name === ' ' || name === '\\t' || name === '\t') return 3;
  if (name === '\\n' || name === '\n' || name === '\\r') return 4;
  if (/^\p{Ll}$/u.test(name)) return 0;
  if (/^\p{Lu}$/u.test(name)) return 1;
  if (/^\p{Nd}$/u.test(name)) return 2;
  if (/^\p{P}$/u.test(name) || /^\p{S}$/u.test(name)) return 5;
  return 6;
}

/** The labellings of the tokens of `layer` for the first `n` samples. */
function labellings(net: SequentialModel, layer: RoutedLayer, dataset: Dataset, split: Split, n: number): Labelling[] {
  const t = layer.tokensPerSample;
  const out: Labelling[] = [];
  const tasks = dataset.tasks;
  const width = labelWidth(tasks);
  const first = tasks[0];
  if (first && positionsOf(first) === 1) {
    const ids = new Int32Array(n * t);
    for (let i = 0; i < n; i++) ids.fill(split.y[i * width]!, i * t, (i + 1) * t);
    out.push({ by: 'class', ids, names: first.labels ?? Array.from({ length: first.classes }, (_, c) => String(c)) });
  }
  const patches = net.modules.find((m) => m.node.type === 'patchEmbed') as PatchEmbed | undefined;
  if (patches && patches.node.outputShape[0] === t) {
    const cols = patches.node.inputShape[1]! / patches.config.patch;
    const names = Array.from({ length: t }, (_, i) => `row ${Math.floor(i / cols)} col ${i % cols}`);
    const ids = new Int32Array(n * t);
    for (let i = 0; i < n * t; i++) ids[i] = i % t;
    out.push({ by: 'position', ids, names });
  }
  const charInput = dataset.sampleShape.length === 1 && dataset.sampleShape[0] === t && net.modules[0]?.node.type === 'embedding';
  if (charInput && first?.labels) {
    const chars = new Int32Array(n * t);
    const types = new Int32Array(n * t);
    const kind = first.labels.map(charType);
    for (let i = 0; i < n * t; i++) {
      chars[i] = Math.round(split.x[i]!);
      types[i] = kind[chars[i]!] ?? 6;
    }
    out.push({ by: 'char', ids: chars, names: first.labels });
    out.push({ by: 'char type', ids: types, names: CHAR_TYPES });
  }
  return out;
}

function moduleInfo(layer: RoutedLayer): DnaModuleInfo[] {
  return layer.kinds.map((kind, index) => ({
    index, kind, label: layer.labels[index]!, flopsPerToken: layer.moduleFlops[index]!, params: layer.moduleParams[index]!,
  }));
}

/** The analysis of every routed layer of `net` (trained) against the same model as initialised. Undefined without routed layers. */
export async function analyzeRouting(
  net: SequentialModel, model: ModelFile, dataset: Dataset, step: number, opts: RoutingAnalysisOptions = {},
): Promise<DnaReport | undefined> {
  const layers = routedLayers(net);
  if (layers.length === 0) return undefined;
  const [splitName, split] = dataset.test && dataset.test.n > 0 ? ['test', dataset.test]
    : dataset.validation.n > 0 ? ['validation', dataset.validation] : ['train', dataset.train];
  const n = Math.min(split.n, opts.maxSamples ?? 2048);
  const batchSize = opts.batchSize ?? 128;
  const trained = await traceRouting(net, split, dataset.sampleShape, n, batchSize);
  const initial = new SequentialModel(model.layers, model.train.seed);
  let random: Trace[];
  try {
    random = await traceRouting(initial, split, dataset.sampleShape, n, batchSize);
  } finally {
    initial.dispose();
  }
  const reports: DnaLayerReport[] = layers.map((layer, i) => {
    const modules = moduleInfo(layer);
    const base = {
      hops: layer.hops, k: layer.k, modules, tokens: n * layer.tokensPerSample, routerFlopsPerHop: layer.routerFlops,
      labellings: labellings(net, layer, dataset, split, n),
    };
    const stats = (t: Trace) => pathStats({ ...base, choices: t.choices, droppedChoices: t.dropped } satisfies RoutedTokens);
    return {
      layerId: layer.id, hops: layer.hops, k: layer.k, modules,
      boundFlopsPerToken: layer.node.flops / layer.tokensPerSample - layer.fixedFlopsPerToken,
      trained: stats(trained[i]!), random: stats(random![i]!),
    };
  });
  let flops = unroutedFlops(net);
  layers.forEach((layer, i) => (flops += layerFlopsPerSample(layer, reports[i]!.trained.flopsPerToken)));
  return {
    version: 1, step, split: splitName, samples: n, tokensPerSample: layers[0]!.tokensPerSample,
    flopsPerSample: flops, boundFlopsPerSample: net.layers.reduce((s, l) => s + l.flops, 0), layers: reports,
  };
}

/** Lines for the CLI and the run log. */
export function summarizeRouting(report: DnaReport): string[] {
  const lines = [
    `routing (${report.samples} ${report.split} samples, ${report.tokensPerSample} tokens each): ` +
      `${(report.flopsPerSample / 1e6).toFixed(2)} MFLOPs/sample, ${((100 * report.flopsPerSample) / report.boundFlopsPerSample).toFixed(1)}% of the static bound`,
  ];
  for (const layer of report.layers) lines.push(...summaryLines(layer));
  return lines;
}
