/**
 * "Prune (Pareto sweep)" from the editor (seed 002): sends `prune/sweep` for the model file (the trainer trains it,
 * then prunes it with every criterion and FLOP target of its `prune:` block, and runs the routing sweep), shows a
 * progress notification while the trainer's log lines stream into the Dynaxx output, and ends with the best point
 * per target. The numbers stay in the run's reports/pareto.json for the dashboards.
 */
import * as vscode from 'vscode';
import type { LensCommandArgs } from '../protocol/lsp-ext';
import { PruneSweepRequest, type PruneSweepResult } from '../protocol/trainer';
import { modelFileOf, requireTrust, showTrainerError, type TrainingDeps } from './training';

interface Point { criterion: string; target: number; accuracyMean: number; speedup: number; flopReduction: number; selection?: { accuracyMean: number } }
interface Sweep { points: Point[]; dense: { accuracyMean: number }; split?: string; selectionSplit?: string; criterionLabels?: Record<string, string> }

/**
 * One line per target: the most accurate criterion there, its accuracy and CPU speed-up. The criterion is chosen by
 * its accuracy on the selection split (validation) and reported with its accuracy on the report split (test), both
 * named; a sweep stored before the splits were separated has only the one accuracy.
 */
export function bestPerTarget(sweep: Sweep): string[] {
  const targets = [...new Set(sweep.points.map((p) => p.target))].sort((a, b) => a - b);
  const score = (p: Point) => p.selection?.accuracyMean ?? p.accuracyMean;
  const where = sweep.selectionSplit && sweep.split ? ` on ${sweep.split}, chosen on ${sweep.selectionSplit}` : '';
  return targets.map((t) => {
    const best = sweep.points.filter((p) => p.target === t).reduce((a, b) => (score(b) > score(a) ? b : a));
    const name = sweep.criterionLabels?.[best.criterion] ?? best.criterion;
    return `−${t}% FLOPs: ${name} ${(100 * best.accuracyMean).toFixed(1)}%${where} (dense ${(100 * sweep.dense.accuracyMean).toFixed(1)}%), ${best.speedup.toFixed(2)}× faster on CPU`;
  });
}

export async function pruneSweep(deps: TrainingDeps, arg?: LensCommandArgs | vscode.Uri): Promise<PruneSweepResult | undefined> {
  if (!(await requireTrust())) return undefined;
  const uri = modelFileOf(arg);
  if (!uri || uri.scheme !== 'file') {
    void vscode.window.showErrorMessage('Open a *.dynaxx.yaml model file on disk to prune it.');
    return undefined;
  }
  const { host, config, output } = deps;
  if (host.remoteAddress) {
    void vscode.window.showErrorMessage('The pruning sweep reads the model file on the trainer\'s machine; with a remote trainer, run `dynaxx prune` there.');
    return undefined;
  }
  const doc = vscode.workspace.textDocuments?.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
  try {
    const conn = await host.connection();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Dynaxx: pruning sweep', cancellable: true },
      async (progress, token) => {
        progress.report({ message: 'training the model, then every criterion × FLOP target (details in the Dynaxx output)' });
        // Cancel sends $/cancelRequest: the trainer stops the sweep between steps
        return conn.sendRequest(PruneSweepRequest.type, { target: uri.fsPath, runsDir: config.runsDirectory, route: true }, token);
      },
    );
    const lines = bestPerTarget(result.sweep);
    for (const l of lines) output.info(`prune ${result.runId}: ${l}`);
    void vscode.window.showInformationMessage(`Pruning sweep of run ${result.runId} done. ${lines[0] ?? ''}`);
    return result;
  } catch (e) {
    await showTrainerError(deps, e);
    return undefined;
  }
}
