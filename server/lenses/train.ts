/** The `train` feature's lens: "▶ Train" at the top of the file. */
import type { CodeLens } from 'vscode-languageserver';
import { LensCommands, type LensCommandArgs } from '../../protocol/lsp-ext';
import type { ParsedDocument } from '../documents';

export function trainLenses(doc: ParsedDocument): CodeLens[] {
  const args: LensCommandArgs = { uri: doc.uri };
  const top = { line: 0, character: 0 };
  return [{ range: { start: top, end: top }, command: { title: '▶ Train', command: LensCommands.train, arguments: [args] } }];
}
