/**
 * The workspace as the server sees it: its folders (from `initialize`, then `workspace/didChangeWorkspaceFolders`)
 * and whether it is trusted (`initializationOptions.workspaceTrusted`, then `dynaxx/workspaceTrust`). Together
 * they are the read policy for `modelJson:`: in Restricted Mode only files inside the folders are read.
 */
import type { InitializeParams, WorkspaceFoldersChangeEvent } from 'vscode-languageserver';
import { uriToPath } from './documents';
import type { ReadPolicy } from './safe-read';

export class WorkspaceAccess {
  private trusted = false;
  private readonly folders = new Map<string, string>();

  /** Folders from `workspaceFolders`, else `rootUri`, else `rootPath`. */
  initialize(params: InitializeParams, trusted: boolean): void {
    this.trusted = trusted;
    this.folders.clear();
    if (params.workspaceFolders) for (const f of params.workspaceFolders) this.folders.set(f.uri, uriToPath(f.uri));
    else if (params.rootUri) this.folders.set(params.rootUri, uriToPath(params.rootUri));
    else if (params.rootPath) this.folders.set(params.rootPath, params.rootPath);
  }

  changeFolders(e: WorkspaceFoldersChangeEvent): void {
    for (const f of e.removed) this.folders.delete(f.uri);
    for (const f of e.added) this.folders.set(f.uri, uriToPath(f.uri));
  }

  /** Returns whether trust changed. */
  setTrusted(trusted: boolean): boolean {
    const changed = trusted !== this.trusted;
    this.trusted = trusted;
    return changed;
  }

  policy(): ReadPolicy {
    return { trusted: this.trusted, roots: [...this.folders.values()] };
  }
}
