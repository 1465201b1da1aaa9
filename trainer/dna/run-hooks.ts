/**
 * Routed layers in a stored run (the `routing` RunTechnique): the metrics plugin while training (plugin.ts)
 * and, at the end of a completed run, the path analysis in `reports/dna.json` (report.ts). The run assembly
 * (trainer/run/) calls these.
 */
import type { LayerNode } from '../../spec/types';
import { walkLayers } from '../../spec/walk';
import type { RunParts, RunTechnique, TechniqueContext } from '../run-technique';
import type { RunDir } from '../store/run-store';
import { routingPlugin } from './plugin';
import { analyzeRouting, DNA_REPORT, summarizeRouting } from './report';

export function hasRoutedLayers(layers: LayerNode[]): boolean {
  for (const n of walkLayers(layers)) if (n.type === 'dna' || n.type === 'moe') return true;
  return false;
}

/** `dna` and `moe` layers: routing metrics while training, the path analysis at the end. */
export const routingTechnique: RunTechnique = {
  id: 'routing',
  forRun: routingParts,
};

function routingParts({ model, dataset, log }: TechniqueContext): RunParts | undefined {
  if (!hasRoutedLayers(model.layers)) return undefined;
  let dir: RunDir | undefined;
  return {
    plugins: [routingPlugin()],
    attach(d) {
      dir = d;
      return [];
    },
    async finish(loop) {
      if (!dir) return [];
      log(`run ${dir.id}: analysing routing paths (trained and as initialised)…`);
      const report = await analyzeRouting(loop.net, model, dataset, loop.currentStep);
      if (!report) return [];
      dir.writeReport(DNA_REPORT, report);
      return summarizeRouting(report).map((l) => `run ${dir!.id}: ${l}`);
    },
  };
}
