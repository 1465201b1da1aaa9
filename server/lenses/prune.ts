/**
 * The `prune` feature's lens (seed 002): "✂ Prune (Pareto sweep)" at the top of every model file. It runs
 * `dynaxx.prune`: the trainer trains the file, prunes it with every criterion and FLOP target of its `prune:` block
 * (the defaults without one) and runs the confidence-routing sweep; the results stay with the run.
 */
import type { CodeLens } from 'vscode-languageserver';
import { LensCommands, type LensCommandArgs } from '../../protocol/lsp-ext';
import type { ParsedDocument } from '../documents';

export function pruneLenses(doc: ParsedDocument): CodeLens[] {
  const args: LensCommandArgs = { uri: doc.uri };
  const top = { line: 0, character: 0 };
  return [{
    range: { start: top, end: top },
    command: {
      title: '✂ Prune (Pareto sweep)',
      tooltip: 'Train, then prune with every criterion (random, L1, L2, Wanda, RIA, Taylor, OBD, AGF) at each FLOP target, fine-tune, and measure accuracy, size and CPU latency; plus confidence routing',
      command: LensCommands.prune, arguments: [args],
    },
  }];
}
