/** The server's health for the extension's status-bar item (`dynaxx/serverStatus`), sent when it changes. */
import type { Connection } from 'vscode-languageserver';
import { ServerStatusNotification, type ServerStatusParams } from '../protocol/lsp-ext';

export class ServerStatus {
  private last = '';
  private health: ServerStatusParams['health'] = 'ok';
  private message: string | undefined;
  private quiescent = true;

  constructor(private readonly connection: Connection) {}

  setQuiescent(quiescent: boolean): void {
    this.quiescent = quiescent;
    this.send();
  }

  /** An internal failure (a feature threw): shown until `ok()`. */
  error(message: string): void {
    this.health = 'error';
    this.message = message;
    this.send();
  }

  ok(): void {
    this.health = 'ok';
    this.message = undefined;
    this.send();
  }

  send(): void {
    const params: ServerStatusParams = { health: this.health, quiescent: this.quiescent, ...(this.message ? { message: this.message } : {}) };
    const key = JSON.stringify(params);
    if (key === this.last) return;
    this.last = key;
    void this.connection.sendNotification(ServerStatusNotification.type, params);
  }
}
