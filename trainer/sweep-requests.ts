/**
 * The trainer's sweep requests (`sweep/start`, `sweep/attach`, `sweep/cancel`, `sweep/report`; protocol/trainer.ts):
 * the driver of trainer/sweep/ run inside the trainer process, its events broadcast as `sweep/event`. One sweep at a
 * time per trainer (its points run in worker processes or on a queue, so a sweep does not block `run/start`). Queue
 * URLs carry passwords: they are never logged, and every message and event that leaves here is scrubbed of them.
 */
import { resolve } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc';
import type { SweepEvent } from '../protocol/sweep';
import {
  SweepEventNotification, TrainerErrorCodes,
  type SweepAttachParams, type SweepReportParams, type SweepReportResult, type SweepStartParams, type SweepStartResult,
} from '../protocol/trainer';
import { howToRaise, quoteValue, specLimits } from '../spec/limits';
import { readTextFileBounded } from '../spec/read-file';
import { parseSweepText } from '../spec/sweep';
import { UserError } from './errors';
import { checkModelFile } from './request-checks';
import { JsonRpcCodes } from './response-errors';
import { SweepStore } from './store/sweep-store';
import { attachSweep, runSweep, type SweepOptions } from './sweep/driver';
import { parseRedisUrl } from './sweep/redis-url';
import { writeSweepReport } from './sweep/report-html';

/** The sweep a trainer drives now. `id` is empty until the sweep is stored. */
export interface ActiveSweep {
  id: string;
  controller: AbortController;
  done: Promise<void>;
}

/** What the sweep requests use of the trainer (server.ts passes its core and settings). */
export interface SweepHost {
  /** Shared by the trainer's connections: the sweep it drives, and every client's notifications. */
  core: { sweep: ActiveSweep | undefined; broadcast(type: typeof SweepEventNotification.type, params: { event: SweepEvent }): void };
  runsDirOf(p: { runsDir?: string }): string;
  remote: boolean;
  /** `--workers` for local sweeps when the client gives none (tests). */
  defaultWorkers?: number;
}

/** Longest queue URL accepted (checked here, not in the params schema, whose message would quote the URL's start). */
export const MAX_QUEUE_URL = 2048;
/** `progress` events of one point are sent at most this often. */
export const SWEEP_PROGRESS_MS = 250;

const SWEEP_FILE = /\.sweep\.ya?ml$/i;
const MODEL_FILE = /\.dynaxx\.ya?ml$/i;

/** `sweep/start`: checks the sweep file, stores and starts the sweep; answers once it is stored (its id). */
export function startSweep(host: SweepHost, method: string, p: SweepStartParams): Promise<SweepStartResult> {
  const file = resolve(p.sweepFile);
  checkSweepFile(method, file, host.remote);
  return begin(host, method, p.queue, (o) => runSweep(file, { ...o, ...(p.backend && p.backend !== 'auto' ? { backend: p.backend } : {}) }), p.workers, p);
}

/** `sweep/attach`: picks up a sweep run elsewhere (a queue) or whose driver stopped (the runs directory). */
export function attachToSweep(host: SweepHost, method: string, p: SweepAttachParams): Promise<SweepStartResult> {
  return begin(host, method, p.queue, (o) => attachSweep(p.sweepId, o), undefined, p);
}

/** `sweep/cancel`: stops the sweep this trainer drives (queued points dropped, running ones stopped with a checkpoint). */
export function cancelSweep(host: SweepHost, sweepId: string): Record<string, never> {
  const active = host.core.sweep;
  if (!active || !active.id || (active.id !== sweepId && !active.id.startsWith(sweepId))) {
    throw new UserError(`sweep '${quoteValue(sweepId, 120)}' is not running in this trainer${active?.id ? ` (sweep ${active.id} is)` : ''}`);
  }
  active.controller.abort();
  return {};
}

/** `sweep/report`: writes the sweep's HTML report beside its record (`<runs dir>/.sweeps/<id>/report.html`). */
export function sweepReport(host: SweepHost, p: SweepReportParams): SweepReportResult {
  const runsDir = host.runsDirOf(p);
  const store = new SweepStore(runsDir);
  const record = store.read(p.sweepId);
  const written = writeSweepReport(runsDir, record, resolve(store.folder(record.def.id), 'report.html'));
  return { file: written.file };
}

/**
 * A sweep file the trainer is asked to run: a regular `*.sweep.yaml` file within the model-size limit, whose base
 * model is a `*.dynaxx.yaml` file (checked the same way): a client cannot make the trainer read, and quote back in
 * an error, any other file.
 */
export function checkSweepFile(method: string, file: string, remote: boolean): void {
  const shown = `'${quoteValue(file, 200)}'`;
  if (!SWEEP_FILE.test(file)) throw new UserError(`${method}: sweepFile ${shown} is not a sweep file: the trainer runs only *.sweep.yaml files`);
  checkModelFile(method, 'sweepFile', file, false); // its name was checked above (a remote trainer's rule is for model files)
  const limits = specLimits();
  const parsed = parseSweepText(readTextFileBounded(file, limits.maxModelBytes, howToRaise('maxModelBytes', limits)), file, { limits });
  // the sweep's own errors are reported by the driver (SpecError, with positions); only the base model is checked here
  const sweep = parsed.sweep;
  if (!sweep) return;
  if (!MODEL_FILE.test(sweep.modelPath)) {
    throw new UserError(`${method}: the sweep's model '${quoteValue(sweep.model, 200)}' is not a model file: a sweep's base model must be a *.dynaxx.yaml file`);
  }
  checkModelFile(method, 'the sweep\'s model', sweep.modelPath, remote);
}

/** Runs `drive` as this trainer's sweep; resolves with its id once the driver has stored it ('started'). */
async function begin(
  host: SweepHost, method: string, queue: string | undefined, drive: (o: SweepOptions) => Promise<unknown>, workers: number | undefined, p: { runsDir?: string },
): Promise<SweepStartResult> {
  const scrub = queueScrubber(method, queue);
  if (host.core.sweep) {
    const running = host.core.sweep.id ? `sweep ${host.core.sweep.id} is running` : 'a sweep is starting';
    throw new ResponseError(TrainerErrorCodes.RunActive, `${running} in this trainer (one sweep at a time per trainer); cancel it or wait for it to finish`);
  }
  const controller = new AbortController();
  let started: (id: string) => void = () => undefined;
  const storedId = new Promise<string>((r) => (started = r));
  const lastProgress = new Map<number, number>();
  const send = (event: SweepEvent) => host.core.broadcast(SweepEventNotification.type, { event });
  const onEvent = (e: SweepEvent): void => {
    if (e.kind === 'started') started(e.sweepId);
    if (e.kind === 'progress') {
      const t = Date.now();
      if (t - (lastProgress.get(e.point) ?? 0) < SWEEP_PROGRESS_MS && e.step < e.totalSteps) return;
      lastProgress.set(e.point, t);
    }
    send(scrubEvent(e, scrub));
  };
  const active: ActiveSweep = { id: '', controller, done: Promise.resolve() };
  host.core.sweep = active;
  const options: SweepOptions = {
    runsDir: host.runsDirOf(p), signal: controller.signal, onEvent,
    ...(queue ? { queue } : {}), ...(workers ?? host.defaultWorkers ? { workers: workers ?? host.defaultWorkers } : {}),
  };
  let failedEarly: ((e: unknown) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (failedEarly = reject));
  active.done = drive(options).then(
    () => undefined,
    (e: unknown) => {
      const err = scrubError(e, scrub);
      if (!active.id) return failedEarly!(err);
      // after the sweep was stored: the clients hear it as events (the request has been answered)
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      send({ kind: 'log', sweepId: active.id, level: 'error', message: `sweep ${active.id} stopped: ${quoteValue(message, 500)}` });
      send({ kind: 'finished', sweepId: active.id, status: 'interrupted', completed: 0, failed: 0 });
    },
  ).finally(() => {
    if (host.core.sweep === active) host.core.sweep = undefined;
  });
  failed.catch(() => undefined);
  active.id = await Promise.race([storedId, failed]);
  return { sweepId: active.id };
}

/** Takes the queue URL's password out of a text; a bad or over-long URL is refused without showing it. */
function queueScrubber(method: string, queue: string | undefined): (text: string) => string {
  if (queue === undefined) return (t) => t;
  if (queue.length > MAX_QUEUE_URL) throw new ResponseError(JsonRpcCodes.InvalidParams, `${method}: 'queue' is ${queue.length.toLocaleString('en-US')} characters: a queue URL has at most ${MAX_QUEUE_URL}`);
  return parseRedisUrl(queue).scrub; // a UserError showing the URL redacted when it is not redis://…
}

function scrubEvent(e: SweepEvent, scrub: (t: string) => string): SweepEvent {
  if (e.kind === 'log') return { ...e, message: scrub(e.message) };
  if (e.kind === 'started') return { ...e, executor: scrub(e.executor) };
  if (e.kind === 'point' && e.result.error !== undefined) return { ...e, result: { ...e.result, error: scrub(e.result.error) } };
  return e;
}

function scrubError(e: unknown, scrub: (t: string) => string): unknown {
  if (e instanceof Error) {
    e.message = scrub(e.message);
    if (e.stack) e.stack = scrub(e.stack);
  }
  return e;
}
