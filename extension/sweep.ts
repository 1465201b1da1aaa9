/**
 * Sweeps from the editor (issue 17): "Run sweep" on a `*.sweep.yaml` file (the lens, or the active editor) sends
 * `sweep/start` to the trainer, which drives it on its local pool of worker processes or, from "Run on queue…",
 * on a BullMQ queue; "Attach to sweep" watches a sweep that runs elsewhere (`sweep/attach` with the queue's URL).
 * While it runs, a cancellable progress notification shows "Sweep mlp-lr: 3/8 points, p4 120/300 loss 0.41", every
 * point that starts or ends is a line in the Dynaxx output and refreshes the runs view, and Cancel sends
 * `sweep/cancel`. At the end: "Sweep mlp-lr completed: 8 points, best valAccuracy 0.86 (p3)" with "Open report"
 * (`sweep/report`, then the HTML in the browser). The queue's URL, which may hold a password, is kept in the
 * editor's SecretStorage, never in settings, and never written to the output.
 */
import * as vscode from 'vscode';
import type { LensCommandArgs } from '../protocol/lsp-ext';
import type { SweepEvent } from '../protocol/sweep';
import {
  SweepAttachRequest, SweepCancelRequest, SweepReportRequest, SweepStartRequest, type SweepStartParams,
} from '../protocol/trainer';
import type { RunsView } from './runs-view';
import { finishedText, progressPercent, progressText, queueUrlProblem, SweepState, sweepNameOf } from './sweep-text';
import { requireTrust, showTrainerError, type TrainingDeps } from './training';

/** What the sweep commands use of the Ctx. */
export interface SweepDeps extends TrainingDeps {
  extension: Pick<vscode.ExtensionContext, 'secrets'>;
  runsView: Pick<RunsView, 'refresh'>;
}

/** The SecretStorage key of the last queue URL. */
export const QUEUE_SECRET = 'dynaxx.sweep.queueUrl';

/** The sweep this window follows (one at a time, like the trainer). */
let watching: SweepState | undefined;
/** The last sweep followed, for "Open sweep report". */
let lastSweepId: string | undefined;

/** The sweep file: the lens argument `{uri}`, a Uri (explorer), or the active editor's `*.sweep.yaml`. */
export function sweepFileOf(arg: LensCommandArgs | vscode.Uri | undefined): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (arg && typeof arg.uri === 'string') return vscode.Uri.parse(arg.uri);
  const doc = vscode.window.activeTextEditor?.document;
  return doc && /\.sweep\.ya?ml$/i.test(doc.uri.path) ? doc.uri : undefined;
}

/** `dynaxx.runSweep` (local pool) and, with `onQueue`, `dynaxx.runSweepOnQueue`. */
export async function runSweep(deps: SweepDeps, arg?: LensCommandArgs | vscode.Uri, onQueue = false): Promise<SweepState | undefined> {
  if (!(await requireTrust())) return undefined;
  const uri = sweepFileOf(arg);
  if (!uri || uri.scheme !== 'file') {
    void vscode.window.showErrorMessage('Open a *.sweep.yaml file on disk to run its sweep.');
    return undefined;
  }
  if (deps.host.remoteAddress) {
    void vscode.window.showErrorMessage(`The sweep file is read on the trainer's machine; with a remote trainer (${deps.host.remoteAddress}), run \`dynaxx sweep\` there, or attach to it here.`);
    return undefined;
  }
  if (!refuseSecond()) return undefined;
  const queue = onQueue ? await askQueueUrl(deps) : undefined;
  if (onQueue && !queue) return undefined;
  const doc = vscode.workspace.textDocuments?.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
  const backend = deps.config.backend;
  const params: SweepStartParams = {
    sweepFile: uri.fsPath, runsDir: deps.config.runsDirectory, ...(queue ? { queue } : {}), ...(backend !== 'auto' ? { backend } : {}),
  };
  return follow(deps, sweepNameOf(uri.fsPath), (conn) => conn.sendRequest(SweepStartRequest.type, params));
}

/** `dynaxx.attachSweep`: watch a sweep that runs on a queue (started by another machine or `dynaxx sweep --detach`). */
export async function attachSweep(deps: SweepDeps, sweepIdArg?: string): Promise<SweepState | undefined> {
  if (!(await requireTrust())) return undefined;
  if (!refuseSecond()) return undefined;
  const queue = await askQueueUrl(deps);
  if (!queue) return undefined;
  const sweepId = typeof sweepIdArg === 'string' ? sweepIdArg : await vscode.window.showInputBox({
    title: 'Dynaxx: attach to a sweep',
    prompt: 'The sweep id (as `dynaxx sweep` printed it, or a unique prefix)',
    ignoreFocusOut: true,
    validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/.test(v.trim()) ? undefined : 'Letters, digits, `.`, `_` and `-`'),
  });
  if (!sweepId) return undefined;
  const id = sweepId.trim();
  return follow(deps, id, (conn) => conn.sendRequest(SweepAttachRequest.type, { sweepId: id, queue, runsDir: deps.host.remoteAddress ? undefined : deps.config.runsDirectory }));
}

/** `dynaxx.cancelSweep`: cancels the sweep this window follows. */
export async function cancelSweep(deps: SweepDeps): Promise<void> {
  const s = watching;
  if (!s?.sweepId) return void vscode.window.showInformationMessage('No Dynaxx sweep is running.');
  await deps.host.request(SweepCancelRequest.type, { sweepId: s.sweepId });
}

/** `dynaxx.openSweepReport`: writes the sweep's HTML report (`sweep/report`) and opens it in the browser. */
export async function openSweepReport(deps: SweepDeps, sweepIdArg?: string): Promise<void> {
  const sweepId = typeof sweepIdArg === 'string' ? sweepIdArg : lastSweepId ?? await vscode.window.showInputBox({
    title: 'Dynaxx: sweep report', prompt: 'The sweep id (or a unique prefix)', ignoreFocusOut: true,
  });
  if (!sweepId) return;
  const { file } = await deps.host.request(SweepReportRequest.type, { sweepId: sweepId.trim(), runsDir: deps.host.remoteAddress ? undefined : deps.config.runsDirectory });
  deps.output.info(`sweep ${sweepId}: report ${file}`);
  if (deps.host.remoteAddress) {
    void vscode.window.showInformationMessage(`The report is on the trainer's machine (${deps.host.remoteAddress}): ${file}`);
    return;
  }
  await vscode.env.openExternal(vscode.Uri.file(file));
}

/** The queue's URL: asked with the last one (from SecretStorage) filled in, and remembered there. */
async function askQueueUrl(deps: SweepDeps): Promise<string | undefined> {
  const stored = await deps.extension.secrets.get(QUEUE_SECRET);
  const url = await vscode.window.showInputBox({
    title: 'Dynaxx: BullMQ queue',
    prompt: 'The queue\'s Redis URL, served by `dynaxx worker --queue URL` on each machine. Kept in the editor\'s secret storage.',
    placeHolder: 'redis://[user:password@]host:6379[/db]',
    value: stored ?? '',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => queueUrlProblem(v),
  });
  if (!url) return undefined;
  const trimmed = url.trim();
  if (trimmed !== stored) await deps.extension.secrets.store(QUEUE_SECRET, trimmed);
  return trimmed;
}

function refuseSecond(): boolean {
  if (!watching) return true;
  void vscode.window.showWarningMessage(`Sweep ${watching.sweepId || watching.name} is still running: one sweep at a time per trainer. Cancel it (Dynaxx: Cancel sweep) or wait for it to finish.`);
  return false;
}

/**
 * Sends the request that starts (or attaches to) a sweep and follows its events until `finished`: the progress
 * notification, the output lines, the runs view, and the closing message with "Open report".
 */
async function follow(
  deps: SweepDeps, name: string, send: (conn: Awaited<ReturnType<SweepDeps['host']['connection']>>) => Promise<{ sweepId: string }>,
): Promise<SweepState | undefined> {
  const { host, output, runsView } = deps;
  const state = new SweepState('', name);
  // events can arrive before the answer: keep them until the id is known
  const early: SweepEvent[] = [];
  let update: () => void = () => undefined;
  let end: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const take = (e: SweepEvent): void => {
    const line = state.apply(e);
    if (line) {
      if (e.kind === 'log' && e.level === 'error') output.error(line);
      else if (e.kind === 'point' && e.result.status === 'failed') output.warn(line);
      else output.info(line);
    }
    if (e.kind === 'point' && e.result.status !== 'queued') runsView.refresh();
    update();
    if (e.kind === 'finished') end();
  };
  const sub = host.onSweepEvent(({ event }) => {
    if (!state.sweepId) early.push(event);
    else if (event.sweepId === state.sweepId) take(event);
  });
  const crash = host.onDidCrash(() => {
    output.error(`sweep ${state.sweepId || name}: the trainer stopped; attach to it again (Dynaxx: Attach to sweep) after a restart`);
    end();
  });
  watching = state;
  void vscode.commands.executeCommand('setContext', 'dynaxx.sweeping', true);
  try {
    const { sweepId } = await send(await host.connection());
    Object.assign(state, { sweepId });
    lastSweepId = sweepId;
    for (const e of early.splice(0)) if (e.sweepId === sweepId) take(e);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Dynaxx', cancellable: true },
      async (progress, token) => {
        let percent = 0;
        update = () => {
          const now = progressPercent(state);
          progress.report({ message: progressText(state), ...(now > percent ? { increment: now - percent } : {}) });
          percent = Math.max(percent, now);
        };
        token.onCancellationRequested(() => {
          output.info(`sweep ${sweepId}: cancelling (queued points dropped, running ones stop with a checkpoint)`);
          void host.request(SweepCancelRequest.type, { sweepId }).catch((e: Error) => output.warn(`sweep/cancel: ${e.message}`));
        });
        update();
        await ended;
      },
    );
    update = () => undefined;
    runsView.refresh();
    void closingMessage(deps, state);
    return state;
  } catch (e) {
    await showTrainerError(deps, e);
    return undefined;
  } finally {
    sub.dispose();
    crash.dispose();
    if (watching === state) {
      watching = undefined;
      void vscode.commands.executeCommand('setContext', 'dynaxx.sweeping', false);
    }
  }
}

async function closingMessage(deps: SweepDeps, state: SweepState): Promise<void> {
  const text = finishedText(state);
  const failed = state.finished?.status !== 'completed' || (state.finished?.failed ?? 0) > 0;
  const show = failed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const pick = await show(text, 'Open report', 'Show output');
  if (pick === 'Open report') {
    try {
      await openSweepReport(deps, state.sweepId);
    } catch (e) {
      await showTrainerError(deps, e);
    }
  } else if (pick === 'Show output') deps.output.show();
}
