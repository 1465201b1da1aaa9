/**
 * The language client for the Dynaxx language server (`dist/server.js`), and the status-bar item that
 * renders its `dynaxx/serverStatus` (health, busy, message; click: its logs). The server is told whether the
 * workspace is trusted (at start, and when trust is granted): in Restricted Mode it reads `modelJson:` files
 * only inside the workspace folders (which vscode-languageclient sends it).
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { NotificationType } from 'vscode-jsonrpc';
import { LanguageClient, RevealOutputChannelOn, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { ServerStatusNotification, WorkspaceTrustNotification, type ServerStatusParams } from '../protocol/lsp-ext';
import type { ServerSink } from './alerts';

export const DOCUMENT_SELECTOR = [
  { language: 'dynaxx' },
  { scheme: 'file', pattern: '**/*.dynaxx.{yaml,yml}' },
  { language: 'dynaxx-sweep' },
  { scheme: 'file', pattern: '**/*.sweep.{yaml,yml}' },
];

export class ServerClient implements ServerSink, vscode.Disposable {
  readonly client: LanguageClient;
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];

  /** `serverModule`: the bundled server, `dist/server.js`. */
  constructor(serverModule: string, onReady: () => void) {
    if (!existsSync(serverModule)) throw new Error(`the language server is missing (${serverModule}); run \`npm run build\``);
    const run = { module: serverModule, transport: TransportKind.ipc };
    const serverOptions: ServerOptions = { run, debug: { ...run, options: { execArgv: ['--nolazy', '--inspect=6010'] } } };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannelName: 'Dynaxx Language Server',
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // read at every (re)start
      initializationOptions: () => ({ workspaceTrusted: vscode.workspace.isTrusted }),
    };
    this.client = new LanguageClient('dynaxx', 'Dynaxx Language Server', serverOptions, clientOptions);
    this.item = vscode.window.createStatusBarItem('dynaxx.server', vscode.StatusBarAlignment.Left, 9);
    this.item.name = 'Dynaxx Language Server';
    this.item.command = 'dynaxx.showServerLogs';
    this.subscriptions.push(
      this.client.onNotification(ServerStatusNotification.type, (s) => this.render(s)),
      this.client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          // trust granted while the server was starting
          if (vscode.workspace.isTrusted) this.sendNotification(WorkspaceTrustNotification.type, { trusted: true });
          onReady();
        }
        if (e.newState === State.Stopped) this.render({ health: 'error', quiescent: true, message: 'The language server stopped.' });
      }),
      vscode.commands.registerCommand('dynaxx.showServerLogs', () => this.client.outputChannel.show()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.sendNotification(WorkspaceTrustNotification.type, { trusted: true })),
    );
    this.render({ health: 'ok', quiescent: false, message: 'Starting' });
  }

  start(): Promise<void> {
    return this.client.start();
  }

  /** Drops notifications while the server is not running (alerts are resent when it is). */
  sendNotification<P>(type: NotificationType<P>, params: P): void {
    if (this.client.state !== State.Running) return;
    void this.client.sendNotification(type.method, params).catch(() => undefined);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.item.dispose();
    void this.client.dispose();
  }

  private render(s: ServerStatusParams): void {
    const icon = !s.quiescent ? '$(sync~spin)' : s.health === 'error' ? '$(error)' : s.health === 'warning' ? '$(warning)' : '$(check)';
    this.item.text = `${icon} Dynaxx LS`;
    this.item.tooltip = `${s.message ?? `Language server: ${s.health}`}\nClick for its logs.`;
    this.item.backgroundColor = s.health === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : s.health === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }
}
