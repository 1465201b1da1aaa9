/**
 * The `sweep` feature's lenses (issue 17), at the top of a sweep file (`*.sweep.yaml`) without errors:
 * "▶ Run sweep (N points)" (`dynaxx.runSweep`: the trainer's local pool) and "Run on queue…"
 * (`dynaxx.runSweepOnQueue`: the extension asks for the BullMQ queue's URL). A file with errors has no lens: its
 * diagnostics say what to fix first.
 */
import type { CodeLens } from 'vscode-languageserver';
import { LensCommands, type LensCommandArgs } from '../../protocol/lsp-ext';
import type { ParsedDocument } from '../documents';

export function sweepLenses(doc: ParsedDocument): CodeLens[] {
  const info = doc.result.sweep;
  if (doc.kind !== 'sweep' || !info || doc.result.diagnostics.some((d) => d.severity === 'error')) return [];
  const args: LensCommandArgs = { uri: doc.uri };
  const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const points = `${info.points.toLocaleString('en-US')} point${info.points === 1 ? '' : 's'}`;
  return [
    {
      range: top,
      command: {
        title: `▶ Run sweep (${points})`,
        tooltip: `Run sweep ${info.name} on the trainer's local pool of worker processes: each point is a run in the runs view`,
        command: LensCommands.runSweep, arguments: [args],
      },
    },
    {
      range: top,
      command: {
        title: 'Run on queue…',
        tooltip: 'Put the points on a BullMQ queue (redis://…) served by `dynaxx worker` processes, and watch them here',
        command: LensCommands.runSweepOnQueue, arguments: [args],
      },
    },
  ];
}
