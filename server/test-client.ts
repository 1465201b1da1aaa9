/**
 * A language client for the tests and the benchmark: spawns the server (`node --import tsx server/main.ts
 * --stdio`, or the bundle `dist/server.js`) and speaks LSP to it over a real JSON-RPC connection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver';
import type { ServerStatusParams } from '../protocol/lsp-ext';

export const ROOT = join(__dirname, '..');
export const FIXTURES = join(__dirname, 'fixtures');

export interface StartOptions {
  debounceMs?: number;
  /** Run dist/server.js (after `node scripts/bundle.mjs`) instead of the TypeScript sources. */
  bundled?: boolean;
  /** More `initializationOptions` (`parseTimeoutMs`, `workspaceTrusted`, …). */
  init?: Record<string, unknown>;
  /** Workspace folder paths (default: the repository root, as `rootUri`). */
  folders?: string[];
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
}

export interface Published { params: PublishDiagnosticsParams; at: number }

export class TestClient {
  readonly published: Published[] = [];
  readonly statuses: ServerStatusParams[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly versions = new Map<string, number>();

  private constructor(readonly connection: MessageConnection, private readonly child: ChildProcess) {
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push({ params: p, at: performance.now() });
      this.wake();
    });
    connection.onNotification('dynaxx/serverStatus', (p: ServerStatusParams) => {
      this.statuses.push(p);
      this.wake();
    });
    connection.onNotification('window/logMessage', () => undefined);
    connection.onRequest('workspace/configuration', () => []);
  }

  static async start(options: StartOptions = {}): Promise<TestClient> {
    const args = options.bundled ? [join(ROOT, 'dist', 'server.js'), '--stdio'] : ['--import', 'tsx', join(__dirname, 'main.ts'), '--stdio'];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...options.env } });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new TestClient(connection, child);
    connection.listen();
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(options.folders?.[0] ?? ROOT).href,
      ...(options.folders ? { workspaceFolders: options.folders.map((f) => ({ uri: pathToFileURL(f).href, name: f })) } : {}),
      capabilities: {
        textDocument: { publishDiagnostics: { dataSupport: true }, codeAction: { dataSupport: true } },
        workspace: { workspaceFolders: true },
      },
      initializationOptions: { ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}), ...options.init },
    });
    await connection.sendNotification('initialized', {});
    return client;
  }

  /** Opens a fixture (or any file) with its text from disk, or `text` when given. Returns its URI. */
  async open(path: string, text?: string): Promise<string> {
    const uri = pathToFileURL(path).href;
    this.versions.set(uri, 1);
    await this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'dynaxx', version: 1, text: text ?? readFileSync(path, 'utf8') },
    });
    return uri;
  }

  /** Replaces the whole text; returns the new version. */
  async change(uri: string, text: string): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return version;
  }

  /** The diagnostics last published for a URI. */
  diagnostics(uri: string): Diagnostic[] | undefined {
    for (let i = this.published.length - 1; i >= 0; i--) if (this.published[i]!.params.uri === uri) return this.published[i]!.params.diagnostics;
    return undefined;
  }

  /** Waits for a publish for `uri` after index `from` that satisfies `check`. */
  async waitForDiagnostics(uri: string, check: (d: Diagnostic[], p: PublishDiagnosticsParams) => boolean = () => true, from = 0, ms = 10_000): Promise<Published> {
    const end = Date.now() + ms;
    for (;;) {
      for (let i = from; i < this.published.length; i++) {
        const p = this.published[i]!;
        if (p.params.uri === uri && check(p.params.diagnostics, p.params)) return p;
      }
      if (Date.now() > end) throw new Error(`no matching diagnostics for ${uri} within ${ms} ms; last: ${JSON.stringify(this.diagnostics(uri))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, end - Date.now()));
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      /* already gone */
    }
    this.connection.dispose();
    if (this.child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.child.kill(); resolve(); }, 2000);
        this.child.once('exit', () => { clearTimeout(t); resolve(); });
      });
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

export function fixture(name: string): string {
  return join(FIXTURES, name);
}
