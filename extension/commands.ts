/**
 * The commands, as a factory map: each entry makes the command's body from the Ctx. An entry tied to a
 * feature is registered only when that feature has landed (LANDED_FEATURES), so the palette and the code
 * lenses never offer a command that does nothing.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { LANDED_FEATURES, type Feature, type LensCommandArgs } from '../protocol/lsp-ext';
import type { BackendRequest, RunSummary } from '../protocol/trainer';
import { RunDeleteRequest } from '../protocol/trainer';
import { RESUMABLE, type RunsView } from './runs-view';
import { discover, requireTrust, resume, showTrainerError, train, trainStabilized } from './training';
import { pruneSweep } from './prune';
import { attachSweep, cancelSweep, openSweepReport, runSweep } from './sweep';
import { compareRuns, openDashboard, type DashboardCtx } from './panels/dashboard';
import { openExample } from './walkthrough';

type Cmd = (...args: any[]) => unknown;

/**
 * What the commands use of the Ctx (ctx.ts passes itself; tests build it from parts). Declared here, not imported
 * from ctx.ts, which imports this file: no import cycle.
 */
export interface CommandCtx extends DashboardCtx {
  runsView: RunsView;
}

interface CommandFactory {
  /** Registered only when this feature is in LANDED_FEATURES. */
  feature?: Feature;
  make: (ctx: CommandCtx) => Cmd;
}

/**
 * Later features add their entries here with their `feature`: `dynaxx.discover`, `dynaxx.prune`, `dynaxx.route`,
 * `dynaxx.openDashboard` (dashboard).
 */
export const COMMANDS: Record<string, CommandFactory> = {
  'dynaxx.train': { feature: 'train', make: (ctx) => (arg?: LensCommandArgs | vscode.Uri) => train(ctx, arg) },
  'dynaxx.trainStabilized': { feature: 'stabilize', make: (ctx) => (arg?: LensCommandArgs | vscode.Uri) => trainStabilized(ctx, arg) },
  'dynaxx.discover': { feature: 'discover', make: (ctx) => (arg?: LensCommandArgs | vscode.Uri) => discover(ctx, arg) },
  'dynaxx.prune': { feature: 'prune', make: (ctx) => (arg?: LensCommandArgs | vscode.Uri) => pruneSweep(ctx, arg) },
  'dynaxx.openDashboard': { feature: 'dashboard', make: (ctx) => (arg?: LensCommandArgs | vscode.Uri | RunSummary) => openDashboard(ctx, arg) },
  'dynaxx.compareRuns': { feature: 'dashboard', make: (ctx) => () => compareRuns(ctx) },
  'dynaxx.runSweep': { feature: 'sweep', make: (ctx) => (arg?: LensCommandArgs | vscode.Uri) => runSweep(ctx, arg) },
  'dynaxx.runSweepOnQueue': { feature: 'sweep', make: (ctx) => (arg?: LensCommandArgs | vscode.Uri) => runSweep(ctx, arg, true) },
  'dynaxx.attachSweep': { feature: 'sweep', make: (ctx) => (sweepId?: string) => attachSweep(ctx, sweepId) },
  'dynaxx.cancelSweep': { feature: 'sweep', make: (ctx) => () => cancelSweep(ctx) },
  'dynaxx.openSweepReport': { feature: 'sweep', make: (ctx) => (sweepId?: string) => openSweepReport(ctx, sweepId) },
  'dynaxx.cancelRun': { make: (ctx) => cancelRun(ctx) },
  'dynaxx.showRuns': { make: () => () => vscode.commands.executeCommand('dynaxx.runs.focus') },
  'dynaxx.openExample': { make: (ctx) => () => openExample(ctx.extension.extensionPath) },
  'dynaxx.selectBackend': { make: (ctx) => () => selectBackend(ctx) },
  'dynaxx.restartTrainer': { make: (ctx) => () => restartTrainer(ctx) },
  'dynaxx.resumeRun': { make: (ctx) => async (run?: RunSummary) => {
    const target = run ?? (await pickRun(ctx, 'Resume which run?', (r) => RESUMABLE.includes(r.status)));
    if (target) await resume(ctx, target);
  } },
  'dynaxx.deleteRun': { make: (ctx) => async (run?: RunSummary) => {
    const target = run ?? (await pickRun(ctx, 'Delete which run?', (r) => r.status !== 'running'));
    if (target) await deleteRun(ctx, target);
  } },
  'dynaxx.revealRunFolder': { make: (ctx) => async (run?: RunSummary) => {
    const target = run ?? (await pickRun(ctx, 'Reveal which run?', () => true));
    if (target) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(runDir(ctx, target)));
  } },
};

/** Registers every command whose feature has landed. */
export function registerCommands(ctx: CommandCtx): vscode.Disposable[] {
  return Object.entries(COMMANDS)
    .filter(([, f]) => f.feature === undefined || LANDED_FEATURES.includes(f.feature))
    .map(([id, f]) => {
      const body = f.make(ctx);
      return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await body(...args);
        } catch (e) {
          await showTrainerError(ctx, e);
          return undefined;
        }
      });
    });
}

function cancelRun(ctx: CommandCtx): Cmd {
  return async () => {
    const run = ctx.host.activeRun;
    if (!run) return void vscode.window.showInformationMessage('No Dynaxx run is training.');
    if (!(await ctx.host.cancelActive())) void vscode.window.showWarningMessage(`Run ${run.runId} could not be cancelled; it may have just finished.`);
  };
}

async function selectBackend(ctx: CommandCtx): Promise<void> {
  if (!(await requireTrust())) return;
  await ctx.host.connection();
  const info = ctx.host.info!;
  const current = ctx.config.backend;
  type Item = vscode.QuickPickItem & { backend: BackendRequest; reason?: string };
  const mark = (b: BackendRequest) => (b === current ? '$(check) ' : '');
  const items: Item[] = [
    { backend: 'auto', label: `${mark('auto')}auto`, description: `uses the model file's backend, else ${info.auto.backend}`, detail: info.auto.reason },
    ...info.backends.map((b): Item => b.available
      ? { backend: b.name, label: `${mark(b.name)}${b.name}`, description: b.device }
      : { backend: b.name, label: `$(circle-slash) ${b.name}`, description: 'unavailable', detail: b.detail, reason: b.detail }),
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'Dynaxx: backend for runs started from the editor', matchOnDetail: true });
  if (!pick) return;
  if (pick.reason !== undefined) {
    void vscode.window.showErrorMessage(`The ${pick.backend} backend is unavailable here: ${pick.reason}`);
    return;
  }
  await ctx.config.setBackend(pick.backend);
}

async function restartTrainer(ctx: CommandCtx): Promise<void> {
  const run = ctx.host.activeRun;
  if (run) {
    const ok = await vscode.window.showWarningMessage(
      `Restarting the trainer cancels run ${run.runId} (it keeps a checkpoint and can be resumed).`,
      { modal: true },
      'Restart',
    );
    if (ok !== 'Restart') return;
  }
  if (!(await requireTrust())) return;
  const info = await ctx.host.restart();
  void vscode.window.showInformationMessage(`Dynaxx trainer ${info.version} restarted; auto picks ${info.auto.backend}.`);
}

async function deleteRun(ctx: CommandCtx, run: RunSummary): Promise<void> {
  if (run.status === 'running' || ctx.host.activeRun?.runId === run.id) return void vscode.window.showWarningMessage(`Run ${run.id} is training; cancel it first.`);
  const where = ctx.host.remoteAddress ? `on the trainer at ${ctx.host.remoteAddress}` : `in ${runDir(ctx, run)}`;
  const ok = await vscode.window.showWarningMessage(
    `Delete run ${run.id}?`,
    { modal: true, detail: `Its checkpoints, metrics and TensorBoard logs ${where} are deleted.` },
    'Delete',
  );
  if (ok !== 'Delete') return;
  // the trainer deletes it (it knows whether another process is still training it), local or remote alike
  await ctx.host.request(RunDeleteRequest.type, { runId: run.id, runsDir: ctx.host.remoteAddress ? undefined : ctx.config.runsDirectory });
  ctx.runsView.refresh();
}

function runDir(ctx: CommandCtx, run: RunSummary): string {
  return join(ctx.config.runsDirectory, run.id);
}

async function pickRun(ctx: CommandCtx, title: string, filter: (r: RunSummary) => boolean): Promise<RunSummary | undefined> {
  await ctx.runsView.getChildren();
  const runs = ctx.runsView.current.filter(filter);
  if (runs.length === 0) return void vscode.window.showInformationMessage('No Dynaxx run fits.');
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.name, description: `${r.status} · ${r.backend}`, detail: r.id, run: r })),
    { title },
  );
  return pick?.run;
}
