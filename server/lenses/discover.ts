/**
 * The `discover` feature's lens (emergent modularity, seed 000): "◆ Discover subnetworks" at the top of a model
 * file that has no `modularity:` block. It runs `dynaxx.discover`: a run of the file with `modularity: on` (the
 * seed's defaults; the file is not changed). A file with the block discovers subnetworks with the plain "▶ Train".
 */
import type { CodeLens } from 'vscode-languageserver';
import { LensCommands, type LensCommandArgs } from '../../protocol/lsp-ext';
import type { ParsedDocument } from '../documents';
import { valueAt } from '../yaml-ast';

export function discoverLenses(doc: ParsedDocument): CodeLens[] {
  if (valueAt(doc.yaml().value, ['modularity']) !== undefined) return [];
  const args: LensCommandArgs = { uri: doc.uri };
  const top = { line: 0, character: 0 };
  return [{
    range: { start: top, end: top },
    command: {
      title: '◆ Discover subnetworks',
      tooltip: 'Train with modularity: on: over-parameterised hidden layers whose units are clustered by their gradient signals into subnetworks (ablation table at the end); the file is not changed',
      command: LensCommands.discover, arguments: [args],
    },
  }];
}
