/**
 * Entry point of the Dynaxx Workbench extension (bundled to dist/extension.js). Activation builds the Ctx;
 * a failure is shown with a way to its detail instead of disappearing into the extension host's log.
 */
import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { registerLmTools } from './lm-tools';

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  try {
    ctx = new Ctx(context);
    context.subscriptions.push(ctx, ...registerLmTools(ctx));
  } catch (e) {
    const message = `Dynaxx Workbench failed to start: ${(e as Error).message ?? e}`;
    console.error(message, e);
    const pick = await vscode.window.showErrorMessage(message, 'Show Extension Logs');
    if (pick) await vscode.commands.executeCommand('workbench.action.showLogs');
    return;
  }
  await ctx.startClient();
}

export async function deactivate(): Promise<void> {
  await ctx?.stop();
  ctx = undefined;
}
