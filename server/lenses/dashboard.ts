/**
 * The `dashboard` feature's lens (issue 7): "📈 Dashboard" at the top of every model file. It runs
 * `dynaxx.openDashboard`: the dashboard of the file's live run, else of its latest run, else an offer to train it.
 */
import type { CodeLens } from 'vscode-languageserver';
import { LensCommands, type LensCommandArgs } from '../../protocol/lsp-ext';
import type { ParsedDocument } from '../documents';

export function dashboardLenses(doc: ParsedDocument): CodeLens[] {
  const args: LensCommandArgs = { uri: doc.uri };
  const top = { line: 0, character: 0 };
  return [{
    range: { start: top, end: top },
    command: {
      title: '📈 Dashboard',
      tooltip: 'Open the dashboard of this file\'s live or latest run: metrics, per-layer statistics, alerts, subnetworks, Pareto points and routing',
      command: LensCommands.openDashboard, arguments: [args],
    },
  }];
}
