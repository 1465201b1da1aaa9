/**
 * The extension's lifecycle and state: settings, the output channel, the trainer host, the language
 * client, the views and status items, and every disposable they own.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { AlertForwarder } from './alerts';
import { ServerClient } from './client';
import { registerCommands } from './commands';
import { Config } from './config';
import { Output } from './output';
import { registerDashboard } from './panels/dashboard';
import { RunsView } from './runs-view';
import { TrainingStatus } from './status';
import { TrainerHost } from './trainer-host';

export class Ctx implements vscode.Disposable {
  readonly config = new Config();
  readonly output = new Output();
  readonly host: TrainerHost;
  readonly runsView: RunsView;
  readonly alerts: AlertForwarder;
  client: ServerClient | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    const dist = join(extension.extensionPath, 'dist');
    this.host = this.push(new TrainerHost(this.config, this.output, join(dist, 'trainer.js')));
    this.runsView = this.push(new RunsView(this.host, this.config, this.output));
    this.alerts = this.push(new AlertForwarder(this.host, () => this.client));
    this.push(new TrainingStatus(this.host));
    this.push(vscode.window.registerTreeDataProvider('dynaxx.runs', this.runsView));
    this.disposables.push(...registerCommands(this));
    this.push(registerDashboard(this));
    this.push(this.output);

    const setTraining = () => void vscode.commands.executeCommand('setContext', 'dynaxx.training', this.host.activeRun !== undefined);
    this.push(this.host.onRunStarted(setTraining));
    this.push(this.host.onRunFinished(setTraining));
    this.push(this.host.onDidChangeState(setTraining));
    this.setRemoteContext();
    this.push(vscode.workspace.onDidChangeConfiguration((e) => this.onConfigChange(e)));
    this.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.runsView.refresh()));
  }

  /** Starts the language client; a failure is shown with its logs but leaves training available. */
  async startClient(): Promise<void> {
    try {
      this.client = this.push(new ServerClient(join(this.extension.extensionPath, 'dist', 'server.js'), () => this.alerts.resend()));
      await this.client.start();
    } catch (e) {
      this.output.error(`language server: ${(e as Error).message}`);
      const pick = await vscode.window.showWarningMessage(
        `The Dynaxx language server did not start: ${(e as Error).message}. Training still works.`,
        'Open logs',
      );
      if (pick) this.output.show();
    }
  }

  /** Stops the trainer (a live run is cancelled with a checkpoint) and the language client. */
  async stop(): Promise<void> {
    await Promise.allSettled([this.host.stop(), this.client?.client.stop()]);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }

  private push<T extends vscode.Disposable>(d: T): T {
    this.disposables.push(d);
    return d;
  }

  /** `dynaxx.remoteTrainer`: hides the commands that act on local run folders. */
  private setRemoteContext(): void {
    let remote = false;
    try {
      remote = this.config.remote !== undefined;
    } catch {
      // a malformed address is reported when the trainer starts
    }
    void vscode.commands.executeCommand('setContext', 'dynaxx.remoteTrainer', remote);
  }

  private async onConfigChange(e: vscode.ConfigurationChangeEvent): Promise<void> {
    if (e.affectsConfiguration('dynaxx.trainer.address')) this.setRemoteContext();
    if (e.affectsConfiguration('dynaxx.runsDirectory')) this.runsView.refresh();
    if (!Config.needsTrainerRestart(e) || this.host.state !== 'running') return;
    const pick = await vscode.window.showInformationMessage('The Dynaxx trainer must restart to use the new setting.', 'Restart Trainer');
    if (pick) await vscode.commands.executeCommand('dynaxx.restartTrainer');
  }
}
