/**
 * Emergent modularity in a stored run (the `modularity` RunTechnique): the plugin for a model with a
 * `modularity:` block, its clustering history kept in `reports/modularity-history.json` (rewritten atomically
 * at each clustering), and at the end of a completed run the analysis in `reports/modularity.json` with the
 * export of the kept subnetworks in `export/modules/`. The run assembly (trainer/run/) calls these; nothing
 * here trains.
 */
import type { ModularityHistory } from '../../protocol/reports';
import { requireOnePositionPerTask } from '../data/positions';
import { readWeights } from '../engine/weights';
import type { RunParts, RunTechnique, TechniqueContext } from '../run-technique';
import type { RunDir } from '../store/run-store';
import { modularityPlugin, ModularityPlugin, PLUGIN_ID } from './plugin';
import { analyzeModularity, exportDirOf, MODULARITY_HISTORY, MODULARITY_REPORT, summarize, type ModularityReport } from './report';

/** `reports/modularity-history.json` (protocol/reports.ts `ModularityHistory`). */
export type HistoryFile = ModularityHistory;

/** "Discover subnetworks" (`modularity: on`, or the file's own block). */
export const modularityTechnique: RunTechnique = {
  id: 'modularity',
  section: 'modularity',
  forRun: modularityParts,
};

function modularityParts({ model, dataset, sourceText, log }: TechniqueContext): RunParts | undefined {
  const spec = model.modularity;
  if (!spec) return undefined;
  requireOnePositionPerTask(dataset, 'subnetwork discovery (modularity)');
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
      return [];
    },
    async finish(loop) {
      const p = loop.plugins.find((x) => x.id === PLUGIN_ID) as ModularityPlugin | undefined;
      if (!p || !dir) return [];
      if (history && history.layers.length === 0) {
        history.layers = p.layout.layers.map((l) => ({ id: l.id, items: l.items, unitsPerItem: l.unitsPerItem, masked: l.masked }));
        dir.writeReport(MODULARITY_HISTORY, history);
      }
      await p.hardenAtEnd(loop.currentStep);
      log(`run ${dir.id}: analysing ${spec.subnetworks} subnetworks (ablation per task and class, Shapley values, export)…`);
      const weights = await readWeights(loop.net);
      const result = await p.result(loop.currentStep);
      const report: ModularityReport = await analyzeModularity(loop.net, model, dataset, result, weights, loop.currentStep, {
        exportDir: exportDirOf(dir.dir), sourceText,
      });
      dir.writeReport(MODULARITY_REPORT, report);
      return summarize(report);
    },
  };
}
