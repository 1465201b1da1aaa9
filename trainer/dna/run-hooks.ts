/**
 * Routed layers in a stored run: the metrics plugin while training (plugin.ts) and, at the end of a completed
 * run, the path analysis in `reports/dna.json` (report.ts). The session (trainer/session.ts) calls these.
 * Importing this file registers the dna and moe layers with the engine (register.ts), so every run can build them.
 */
import type { LayerNode, ModelFile } from '../../spec/types';
import { walkLayers } from '../../spec/walk';
import type { Dataset } from '../data/types';
import type { TrainingLoop } from '../engine/loop';
import type { PluginFactory } from '../engine/seams';
import type { RunDir } from '../store/run-store';
import { routingPlugin } from './plugin';
import { analyzeRouting, DNA_REPORT, summarizeRouting } from './report';
import './register';

export interface RoutingRunHooks {
  plugins: PluginFactory[];
  attach(dir: RunDir): void;
  /** After a completed run: the analysis and its report; returns the summary lines. */
  finish(loop: TrainingLoop, model: ModelFile, dataset: Dataset): Promise<string[]>;
}

export function hasRoutedLayers(layers: LayerNode[]): boolean {
  for (const n of walkLayers(layers)) if (n.type === 'dna' || n.type === 'moe') return true;
  return false;
}

export function routingHooks(model: ModelFile, log?: (line: string) => void): RoutingRunHooks | undefined {
  if (!hasRoutedLayers(model.layers)) return undefined;
  let dir: RunDir | undefined;
  return {
    plugins: [routingPlugin()],
    attach(d) {
      dir = d;
    },
    async finish(loop, m, dataset) {
      if (!dir) return [];
      log?.(`run ${dir.id}: analysing routing paths (trained and as initialised)…`);
      const report = await analyzeRouting(loop.net, m, dataset, loop.currentStep);
      if (!report) return [];
      dir.writeReport(DNA_REPORT, report);
      return summarizeRouting(report).map((l) => `run ${dir!.id}: ${l}`);
    },
  };
}
