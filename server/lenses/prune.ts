/**
 * The `prune` feature's lens (seed 002): "✂ Prune (Pareto sweep)" at the top of every model file. It runs
 * `dynaxx.prune`: the trainer trains the file, prunes it with every criterion and FLOP target of its `prune:` block
 * (the defaults without one) and runs the confidence-routing sweep; the results stay with the run. The tooltip
 * names the criteria the file selects, or every one the spec knows (spec/prune-spec.ts, the trainer's built-ins).
 */
import type { CodeLens } from 'vscode-languageserver';
import { LensCommands, type LensCommandArgs } from '../../protocol/lsp-ext';
import { PRUNE_CRITERIA } from '../../spec/prune-spec';
import type { ParsedDocument } from '../documents';

export function pruneLenses(doc: ParsedDocument): CodeLens[] {
  const args: LensCommandArgs = { uri: doc.uri };
  const top = { line: 0, character: 0 };
  const criteria = doc.model?.prune?.criteria ?? PRUNE_CRITERIA.ids;
  return [{
    range: { start: top, end: top },
    command: {
      title: '✂ Prune (Pareto sweep)',
      tooltip: `Train, then prune with each criterion (${criteria.join(', ')}) at each FLOP target, fine-tune, and measure accuracy, size and CPU latency; plus confidence routing`,
      command: LensCommands.prune, arguments: [args],
    },
  }];
}
