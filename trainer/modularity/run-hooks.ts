/**
 * Emergent modularity in a stored run: the plugin for a model with a `modularity:` block, its clustering
 * history kept in `reports/modularity-history.json` (rewritten atomically at each clustering), and at the
 * end of a completed run the analysis in `reports/modularity.json` with the export of the kept subnetworks
 * in `export/modules/`. The session (trainer/session.ts) calls these; nothing here trains.
 */
import type { ModularityHistory } from '../../protocol/reports';
import type { ModelFile } from '../../spec/types';
import type { Dataset } from '../data/types';
import type { TrainingLoop } from '../engine/loop';
import { readWeights } from '../engine/weights';
import type { RunDir } from '../store/run-store';
import { modularityPlugin, ModularityPlugin, PLUGIN_ID } from './plugin';
import { analyzeModularity, exportDirOf, MODULARITY_HISTORY, MODULARITY_REPORT, summarize, type ModularityReport } from './report';

export interface ModularityRunHooks {
  plugins: ReturnType<typeof modularityPlugin>[];
  attach(dir: RunDir): void;
  /** After a completed run: analysis, export and report; returns the summary lines. */
  finish(loop: TrainingLoop, model: ModelFile, dataset: Dataset, sourceText: string | undefined): Promise<string[]>;
}

/** `reports/modularity-history.json` (protocol/reports.ts `ModularityHistory`). */
export type HistoryFile = ModularityHistory;

export function modularityHooks(model: ModelFile, log?: (line: string) => void): ModularityRunHooks | undefined {
  const spec = model.modularity;
  if (!spec) return undefined;
  let dir: RunDir | undefined;
  let history: HistoryFile | undefined;
  const plugin = modularityPlugin(spec, {
    events: {
      onClustering(rec) {
        if (!dir || !history) return;
        history.clusterings.push(rec);
        dir.writeReport(MODULARITY_HISTORY, history);
      },
      onHarden(rec) {
        if (!dir || !history) return;
        history.hardened = rec;
        dir.writeReport(MODULARITY_HISTORY, history);
      },
    },
  });
  return {
    plugins: [plugin],
    attach(d) {
      dir = d;
      const previous = d.readReport(MODULARITY_HISTORY) as HistoryFile | undefined;
      history = previous ?? { layers: [], k: spec.subnetworks, clusterings: [] };
    },
    async finish(loop, m, dataset, sourceText) {
      const p = loop.plugins.find((x) => x.id === PLUGIN_ID) as ModularityPlugin | undefined;
      if (!p || !dir) return [];
      if (history && history.layers.length === 0) {
        history.layers = p.layout.layers.map((l) => ({ id: l.id, items: l.items, unitsPerItem: l.unitsPerItem, masked: l.masked }));
        dir.writeReport(MODULARITY_HISTORY, history);
      }
      await p.hardenAtEnd(loop.currentStep);
      log?.(`run ${dir.id}: analysing ${spec.subnetworks} subnetworks (ablation per task and class, Shapley values, export)…`);
      const weights = await readWeights(loop.net);
      const result = await p.result(loop.currentStep);
      const report: ModularityReport = await analyzeModularity(loop.net, m, dataset, result, weights, loop.currentStep, {
        exportDir: exportDirOf(dir.dir), sourceText,
      });
      dir.writeReport(MODULARITY_REPORT, report);
      return summarize(report);
    },
  };
}
