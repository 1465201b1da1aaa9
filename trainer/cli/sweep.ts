/**
 * `dynaxx sweep` and `dynaxx worker`: the terminal's side of sweeps (trainer/sweep/). A sweep prints one line per
 * point as it starts and ends, a progress line while points run, and the tables at the end; Ctrl-C cancels it
 * (queued points dropped, running ones stopped with a checkpoint; a second Ctrl-C quits at once, and
 * `--attach ID` picks it up again). Queue URLs are shown without their password.
 */
import type { SweepEvent, SweepRecord } from '../../protocol/sweep';
import { attachSweep, runSweep, type SweepOptions } from '../sweep/driver';
import { QueueExecutor } from '../sweep/queue';
import { queueUrlFrom, redactUrl } from '../sweep/redis-url';
import { formatSweepTables, summarizeSweep, sweepJson } from '../sweep/summary';
import { writeSweepReport } from '../sweep/report-html';
import { runWorker } from '../sweep/worker';
import { SweepStore } from '../store/sweep-store';
import { CLI_RULES, backendFlag, flag, type Opts } from './flags';
import { printable } from './progress';
import { UsageError } from './report-error';
import { resolve } from 'node:path';
import { hostname } from 'node:os';

/** `dynaxx sweep <file> | --attach ID | --report ID | --cancel ID`. Exit 0 when every point ran (diverged counts), 1 when one failed, 130 when cancelled. */
export async function sweepCommand(o: Opts, target: string | undefined, runsDir: string): Promise<number> {
  const queue = queueUrlFrom(o.queue as string | undefined);
  const modes = ['attach', 'report', 'cancel'].filter((k) => typeof o[k] === 'string');
  if (modes.length > 1 || (modes.length === 1 && target)) throw new UsageError('sweep takes a sweep file, or one of --attach ID, --report ID, --cancel ID');
  if (typeof o.report === 'string') return report(o, runsDir, o.report, queue);
  if (typeof o.cancel === 'string') {
    if (!queue) throw new UsageError('--cancel stops a sweep on a queue: add --queue URL (a local sweep stops with Ctrl-C in its terminal)');
    const ex = new QueueExecutor(queue, {});
    try {
      const n = await ex.cancel(o.cancel);
      process.stdout.write(printable(`sweep ${o.cancel}: cancel sent (${n} queued point${n === 1 ? '' : 's'} dropped; running ones stop with a checkpoint)\n`));
    } finally {
      await ex.close();
    }
    return 0;
  }
  if (!target && typeof o.attach !== 'string') throw new UsageError('sweep needs a sweep file: dynaxx sweep examples/mlp-lr.sweep.yaml');
  const controller = abortOnInterrupt('\ncancelling the sweep: queued points dropped, running ones stop with a checkpoint (Ctrl-C again to quit at once; `dynaxx sweep --attach ID` goes on later)\n');
  const live = new LiveLines(!!o.quiet || !!o.json);
  const opts: SweepOptions = {
    runsDir, queue, backend: backendFlag(o), workers: flag(o, CLI_RULES.workers), signal: controller.signal, detach: !!o.detach,
    onEvent: (e) => {
      if (o.json && o.events) process.stdout.write(`${JSON.stringify(e)}\n`);
      live.event(e);
    },
  };
  const record = typeof o.attach === 'string' ? await attachSweep(o.attach, opts) : await runSweep(resolve(target!), opts);
  live.done();
  if (o.detach) {
    process.stdout.write(printable(`sweep ${record.def.id}: ${record.def.points.length} points queued on ${record.executor}\nwatch it with: dynaxx sweep --attach ${record.def.id} --queue <url>\n`));
    return 0;
  }
  return finish(o, record, runsDir);
}

function finish(o: Opts, record: SweepRecord, runsDir: string): number {
  const summary = summarizeSweep(record);
  if (o.json) process.stdout.write(`${sweepJson(summary)}\n`);
  else {
    process.stdout.write(printable(`\n${formatSweepTables(summary)}\n`));
    process.stdout.write(printable(`sweep ${record.def.id} ${record.status} (${record.executor}); runs in ${runsDir}\nreport: dynaxx sweep --report ${record.def.id}${record.executor === 'local' ? '' : ' --queue <url>'}\n`));
  }
  if (record.status === 'cancelled') return 130;
  return record.results.every((r) => r.status === 'completed' || r.status === 'diverged') ? 0 : 1;
}

async function report(o: Opts, runsDir: string, id: string, queue: string | undefined): Promise<number> {
  const store = new SweepStore(runsDir);
  let record: SweepRecord;
  if (store.find(id)) record = store.read(id);
  else if (queue) {
    const { def } = await QueueExecutor.loadSweep(queue, id);
    record = await QueueExecutor.loadResults(queue, def);
  } else record = store.read(id); // says where it looked and what to do
  const summary = summarizeSweep(record);
  const out = (o.out as string | undefined) ?? resolve(store.folder(record.def.id), 'report.html');
  const written = writeSweepReport(runsDir, record, out);
  if (o.json) process.stdout.write(`${JSON.stringify({ ...(JSON.parse(sweepJson(summary)) as object), report: written.file })}\n`);
  else process.stdout.write(printable(`${formatSweepTables(summary)}\nreport: ${written.file} (${Math.ceil(written.bytes / 1024)} KiB)\n`));
  return 0;
}

/** `dynaxx worker --queue URL`: serves the queue until Ctrl-C (the running points stop with a checkpoint and go back to the queue). */
export async function workerCommand(o: Opts, runsDir: string): Promise<number> {
  const url = queueUrlFrom(o.queue as string | undefined);
  if (!url) throw new UsageError('worker needs a queue: dynaxx worker --queue redis://host:6379 (or $DYNAXX_QUEUE_URL)');
  const controller = abortOnInterrupt('stopping the worker: running points stop with a checkpoint and go back to the queue (Ctrl-C again to quit at once)\n');
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${printable(line)}\n`);
  const concurrency = flag(o, CLI_RULES.concurrency) ?? 1;
  const dataDir = resolve((o['data-dir'] as string | undefined) ?? '.');
  log(`worker ${hostname()}:${process.pid}: serving ${redactUrl(url)} with ${concurrency} slot${concurrency === 1 ? '' : 's'}; runs in ${runsDir}; data paths resolve in ${dataDir}`);
  await runWorker({ url, concurrency, runsDir, dataDir, backend: backendFlag(o), lockMs: (flag(o, CLI_RULES.stallS) ?? 30) * 1000, log, signal: controller.signal });
  return 0;
}

/** Ctrl-C or SIGTERM aborts the returned controller (after saying `message`); a second Ctrl-C quits at once (130). */
function abortOnInterrupt(message: string): AbortController {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(message);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}

/** What the terminal shows while a sweep runs: a line per point start/end, one progress line rewritten in place. */
class LiveLines {
  private running = new Map<number, string>();
  private tty = process.stderr.isTTY === true;
  private total = 0;
  private finished = 0;

  constructor(private readonly quiet: boolean) {}

  event(e: SweepEvent): void {
    if (this.quiet) return;
    switch (e.kind) {
      case 'started':
        this.total = e.points;
        this.line(`sweep ${e.sweepId}: ${e.points} points on ${e.executor}`);
        break;
      case 'point': {
        const r = e.result;
        if (r.status === 'running') this.line(`point ${r.point} running on ${r.worker ?? '?'}${r.attempts > 1 ? ` (try ${r.attempts})` : ''}`);
        else if (r.status !== 'queued') {
          this.finished++;
          this.running.delete(r.point);
          const m = r.metric !== undefined ? ` ${r.metric.toPrecision(4)}` : '';
          this.line(`point ${r.point} ${r.status}${m}${r.runId ? ` (run ${r.runId})` : ''}${r.error ? `: ${r.error.split('\n')[0]}` : ''}  [${this.finished}/${this.total}]`);
        }
        break;
      }
      case 'progress':
        this.running.set(e.point, `p${e.point} ${e.step}/${e.totalSteps}${e.loss !== undefined ? ` loss ${e.loss.toPrecision(3)}` : ''}`);
        this.status();
        break;
      case 'log':
        this.line(`${e.level === 'info' ? '' : `${e.level}: `}${e.message}`);
        break;
      case 'finished':
        break;
    }
  }

  done(): void {
    if (this.tty && !this.quiet) process.stderr.write('\r\x1b[K');
  }

  private line(text: string): void {
    process.stderr.write(`${this.tty ? '\r\x1b[K' : ''}${printable(text)}\n`);
    this.status();
  }

  private status(): void {
    if (!this.tty || this.running.size === 0) return;
    process.stderr.write(`\r\x1b[K${printable([...this.running.values()].slice(0, 4).join(' | ')).slice(0, (process.stderr.columns ?? 100) - 1)}`);
  }
}
