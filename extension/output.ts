/**
 * The one output channel of the extension ("Dynaxx"): the trainer's stderr and log messages, failures
 * with their detail. It reveals itself on error, so detail is one glance away from any notification.
 */
import * as vscode from 'vscode';

export class Output implements vscode.Disposable {
  private readonly channel: vscode.OutputChannel;

  constructor(name = 'Dynaxx') {
    this.channel = vscode.window.createOutputChannel(name);
  }

  info(message: string): void {
    this.line('info', message);
  }

  warn(message: string): void {
    this.line('warn', message);
  }

  /** Logs and reveals the channel (without taking focus). */
  error(message: string): void {
    this.line('error', message);
    this.channel.show(true);
  }

  /** Raw text as it came (the trainer's stderr), without a prefix. */
  append(text: string): void {
    this.channel.append(text);
  }

  show(): void {
    this.channel.show();
  }

  dispose(): void {
    this.channel.dispose();
  }

  private line(level: string, message: string): void {
    this.channel.appendLine(`${new Date().toISOString().slice(11, 23)} [${level}] ${message}`);
  }
}
