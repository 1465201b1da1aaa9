/**
 * Starting and resuming runs from the editor: the trust check, the model file, the progress notification,
 * and the trainer's errors turned into notifications with the action that fixes them.
 */
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-jsonrpc';
import type { LensCommandArgs } from '../protocol/lsp-ext';
import { TrainerErrorCodes as Codes, type RunOverrides, type RunSummary } from '../protocol/trainer';
import type { Config } from './config';
import type { Output } from './output';
import { RunProgress } from './progress';
import type { LiveRun, TrainerHost } from './trainer-host';

/** What starting a run needs (the Ctx has it; tests build it from parts). */
export interface TrainingDeps {
  host: TrainerHost;
  config: Config;
  output: Output;
}

/** False (after explaining, with "Manage Workspace Trust") in Restricted Mode: no training in untrusted workspaces. */
export async function requireTrust(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const pick = await vscode.window.showWarningMessage(
    'Dynaxx does not train in Restricted Mode: a run executes the model file and reads its data on your machine. Trust this workspace to train.',
    'Manage Workspace Trust',
  );
  if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

/** The model file to train: the lens argument `{uri}`, a Uri (editor title menu), or the active editor's file. */
export function modelFileOf(arg: LensCommandArgs | vscode.Uri | undefined): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (arg && typeof arg.uri === 'string') return vscode.Uri.parse(arg.uri);
  const doc = vscode.window.activeTextEditor?.document;
  return doc && /\.dynaxx\.ya?ml$/.test(doc.uri.path) ? doc.uri : undefined;
}

/**
 * Trains the model file. `extra` overrides go with the run (`{ stabilize: 'auto' }`: "Train stabilized"),
 * beside the backend setting.
 */
export async function train(deps: TrainingDeps, arg?: LensCommandArgs | vscode.Uri, extra?: RunOverrides): Promise<LiveRun | undefined> {
  if (!(await requireTrust())) return undefined;
  const uri = modelFileOf(arg);
  if (!uri) {
    void vscode.window.showErrorMessage('Open a *.dynaxx.yaml model file to train it.');
    return undefined;
  }
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Dynaxx trains model files on disk; ${uri.toString()} is not one. Save it as a file first.`);
    return undefined;
  }
  const doc = vscode.workspace.textDocuments?.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
  const { host, config } = deps;
  const progress = new RunProgress(() => void host.cancelActive());
  const backend = config.backend;
  return launch(deps, progress, () =>
    host.start(
      {
        modelFile: uri.fsPath,
        // a remote trainer cannot read this machine's disk: send the file's text along
        modelText: host.remoteAddress ? readFileSync(uri.fsPath, 'utf8') : undefined,
        runsDir: host.remoteAddress ? undefined : config.runsDirectory,
        overrides: runOverrides(backend, extra),
        metricsIntervalMs: config.metricsIntervalMs,
      },
      progress.handle,
    ),
  );
}

/** "Train stabilized": the file trained with `stabilize: auto` when it has no `stabilize:` block (the file is not changed). */
/** "Discover subnetworks": a run with `modularity: on` when the file has no `modularity:` block. */
export function discover(deps: TrainingDeps, arg?: LensCommandArgs | vscode.Uri): Promise<LiveRun | undefined> {
  return train(deps, arg, { modularity: 'on' });
}

export function trainStabilized(deps: TrainingDeps, arg?: LensCommandArgs | vscode.Uri): Promise<LiveRun | undefined> {
  return train(deps, arg, { stabilize: 'auto' });
}

function runOverrides(backend: RunOverrides['backend'], extra: RunOverrides | undefined): RunOverrides | undefined {
  const o: RunOverrides = { ...extra, ...(backend === 'auto' ? {} : { backend }) };
  return Object.keys(o).length > 0 ? o : undefined;
}

export async function resume(deps: TrainingDeps, run: Pick<RunSummary, 'id' | 'modelFile'>): Promise<LiveRun | undefined> {
  if (!(await requireTrust())) return undefined;
  const { host, config } = deps;
  const progress = new RunProgress(() => void host.cancelActive());
  return launch(deps, progress, () =>
    host.resume(
      { runId: run.id, runsDir: host.remoteAddress ? undefined : config.runsDirectory, metricsIntervalMs: config.metricsIntervalMs },
      run.modelFile,
      progress.handle,
    ),
  );
}

async function launch(deps: TrainingDeps, progress: RunProgress, go: () => Promise<LiveRun>): Promise<LiveRun | undefined> {
  try {
    const run = await go();
    deps.output.info(`run ${run.runId}: ${run.backend} (${run.device}), steps ${run.startStep}..${run.totalSteps}, in ${run.runDir}`);
    return run;
  } catch (e) {
    progress.end();
    await showTrainerError(deps, e);
    return undefined;
  }
}

/** A failed request as a notification with the action that addresses it; the detail goes to the output. */
export async function showTrainerError(deps: TrainingDeps, e: unknown): Promise<void> {
  const message = (e as Error).message ?? String(e);
  const code = e instanceof ResponseError ? e.code : undefined;
  if (code === Codes.InvalidModel) {
    deps.output.warn(message);
    const first = message.split('\n')[0];
    const pick = await vscode.window.showErrorMessage(`The model file has errors: ${first}`, 'Show Problems', 'Open logs');
    if (pick === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
    if (pick === 'Open logs') deps.output.show();
    return;
  }
  if (code === Codes.BackendUnavailable) {
    deps.output.warn(message);
    const pick = await vscode.window.showErrorMessage(message, 'Select Backend');
    if (pick) await vscode.commands.executeCommand('dynaxx.selectBackend');
    return;
  }
  if (code === Codes.RunActive) {
    const pick = await vscode.window.showWarningMessage(message, 'Cancel Run');
    if (pick) await vscode.commands.executeCommand('dynaxx.cancelRun');
    return;
  }
  if (code === Codes.InvalidRequest || code === Codes.Unauthorized) {
    await vscode.window.showErrorMessage(message);
    return;
  }
  deps.output.error(message);
  const pick = await vscode.window.showErrorMessage(`Dynaxx: ${message}`, 'Open logs');
  if (pick) deps.output.show();
}
