/**
 * The walkthrough's command (package.json `contributes.walkthroughs`, media in media/walkthrough/): **Dynaxx: Open an
 * example model**. It opens the workspace's examples/fashion-mlp.dynaxx.yaml when there is one (the repository's
 * examples); otherwise it writes the example the extension ships (media/examples/quickstart.dynaxx.yaml: synthetic
 * data, trains in seconds anywhere) into the first workspace folder and opens it, or opens it unsaved when no folder
 * is open. An existing file of that name is opened, never overwritten.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

/** The workspace example the walkthrough prefers (it needs Fashion-MNIST: dataset-fashion-mnist or data.path). */
export const WORKSPACE_EXAMPLE = join('examples', 'fashion-mlp.dynaxx.yaml');
/** The example shipped in the VSIX, relative to the extension's folder; written under its own name. */
export const BUNDLED_EXAMPLE = join('media', 'examples', 'quickstart.dynaxx.yaml');
export const BUNDLED_NAME = 'quickstart.dynaxx.yaml';

export type ExampleAction =
  | { kind: 'open'; path: string }
  | { kind: 'create'; path: string }
  | { kind: 'untitled' };

/** What "open an example" does, given the first workspace folder (if any) and a file-exists test. */
export function exampleAction(folder: string | undefined, exists: (path: string) => boolean): ExampleAction {
  if (folder === undefined) return { kind: 'untitled' };
  const repo = join(folder, WORKSPACE_EXAMPLE);
  if (exists(repo)) return { kind: 'open', path: repo };
  const mine = join(folder, BUNDLED_NAME);
  return exists(mine) ? { kind: 'open', path: mine } : { kind: 'create', path: mine };
}

/** Runs exampleAction's answer: the model file ends up in the active editor. */
export async function openExample(extensionPath: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const action = exampleAction(folder, existsSync);
  const content = () => readFileSync(join(extensionPath, BUNDLED_EXAMPLE), 'utf8');
  if (action.kind === 'untitled') {
    const doc = await vscode.workspace.openTextDocument({ language: 'dynaxx', content: content() });
    await vscode.window.showTextDocument(doc);
    void vscode.window.showInformationMessage(`Save this model as ${BUNDLED_NAME} in a folder to train it: runs are written beside it (.dynaxx/runs).`);
    return;
  }
  if (action.kind === 'create') writeFileSync(action.path, content());
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(action.path)));
}
