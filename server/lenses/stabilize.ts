/**
 * The `stabilize` feature's lens: "▶ Train stabilized" at the top of a model file that has no `stabilize:`
 * block. It runs `dynaxx.trainStabilized`: a run of the file with `stabilize: auto` (the run's override;
 * the file is not changed). A file that has the block trains stabilized with the plain "▶ Train".
 */
import type { CodeLens } from 'vscode-languageserver';
import { LensCommands, type LensCommandArgs } from '../../protocol/lsp-ext';
import type { ParsedDocument } from '../documents';
import { valueAt } from '../yaml-ast';

export function stabilizeLenses(doc: ParsedDocument): CodeLens[] {
  if (valueAt(doc.yaml().value, ['stabilize']) !== undefined) return [];
  const args: LensCommandArgs = { uri: doc.uri };
  const top = { line: 0, character: 0 };
  return [{
    range: { start: top, end: top },
    command: { title: '▶ Train stabilized', tooltip: 'Train with stabilize: auto (spectral-norm bounds, residual scaling, depth-dependent warm-up and LR, spike safety net); the file is not changed', command: LensCommands.trainStabilized, arguments: [args] },
  }];
}
