/**
 * `dynaxx` — the headless CLI. Everything the editor can do with a run, a terminal can do too:
 *   dynaxx train <model.dynaxx.yaml> [options]   train a model, with a progress bar and a summary table
 *   dynaxx resume <run-id>                       continue an interrupted or cancelled run from its last checkpoint
 *   dynaxx eval <run-id> [--split test]          evaluate a run's latest checkpoint
 *   dynaxx runs                                  list runs
 *   dynaxx check <model.dynaxx.yaml>             validate a model file and print shapes, parameters and FLOPs
 *   dynaxx backends                              which compute backends this machine can use
 *   dynaxx serve --port P --token T              the trainer protocol over TCP, for an editor on another machine
 *   dynaxx modules <run-id> [--extract 0,2]      the subnetworks of a modular run; export chosen ones
 *   dynaxx grow <run-id> --data FILE [--add N]   add subnetworks for new data/tasks, old ones frozen
 *   dynaxx transfer <run-id> --data FILE         keep/retrain advice per subnetwork for a related task
 *   dynaxx report <run-id>... [--out FILE]       one self-contained HTML dashboard of runs (opens from disk, for CI)
 *   dynaxx sweep <file.sweep.yaml> [--queue URL]  many runs from one file: a local pool, or a BullMQ queue
 *   dynaxx worker --queue URL                    take a queue's sweep points and train them
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { moreLayers, type Alert } from '../../protocol/trainer';
import { RUN_OVERRIDE_RULES } from '../../spec/overrides';
import { describeAuto, probeAll } from '../backend/backends';
import { UserError } from '../errors';
import { evaluateRun } from '../evaluate';
import { serveTcp } from '../remote';
import { resumeRun, startRun, type PreparedRun } from '../session';
import { RunStore } from '../store/run-store';
import { ProgressBar, formatNumber, printable, table } from './progress';
import { checkCommand } from './check';
import { CLI_RULES, backendFlag, flag, monitorsFlag, pruneOverrides, runOverrides, type Opts } from './flags';
import { reportError, UsageError } from './report-error';
import { modulesCommand, transferCommand } from './modules';
import { pathsCommand } from './paths';
import { startGrowth } from '../run/grow';
import { runPrune } from '../run/prune';
import { formatOutcome } from './prune-table';
import { writeReport } from '../report/command';
import { existsSync } from 'node:fs';
import { sweepCommand, workerCommand } from './sweep';
import { sweepPointChild } from '../sweep/child';

const MONITORS = 'nonfinite, grad-norm, activation-variance';

const USAGE = `usage: dynaxx <command> [options]

commands:
  train <model.dynaxx.yaml>   train a model (stops cleanly with a checkpoint on Ctrl-C)
  resume <run-id>             continue an interrupted or cancelled run from its last checkpoint
  eval <run-id>               evaluate a run's latest checkpoint (--split test|validation)
  runs                        list the runs in the runs directory
  check <model.dynaxx.yaml>   validate a model file; print shapes, parameters and FLOPs per layer, and the memory a
                              training step needs on the backend (--backend, --batch-size, ...: as for train);
                              exit 2 when it cannot be allocated there
  backends                    list the compute backends this machine can use
  modules <run-id>            the subnetworks a modular run found (reports/modularity.json);
                              --extract 0,2 [--out DIR] exports those subnetworks as a smaller model
  grow <run-id> --data FILE   add --add N (default 2) subnetworks trained on the data: section of FILE,
                              old subnetworks frozen; --epochs N, --joint-steps N (unfreeze all at the end)
  transfer <run-id> --data FILE  per subnetwork: gradient similarity old vs new task, keep/retrain advice
  prune <model|run-id>        Pareto sweep of pruning criteria (trains a model file first): accuracy, FLOPs,
                              params and CPU latency per criterion and FLOP target, fine-tuned with one budget;
                              --criteria l1,agf,...  --targets 25,50,75,90  --schedule one-shot|linear|cubic
                              --finetune-steps N  --score-steps N  --seeds N  --route (confidence-routing sweep)
  paths <run-id>              routing paths of a run with dna/moe layers (reports/dna.json): FLOPs per token,
                              module usage per hop, top paths, power-law exponent, NMI with classes, all
                              against the model as initialised; --analyze recomputes on the latest
                              checkpoint (--samples N, default 2048)
  report <run-id> [<run-id>...]  one self-contained HTML file with the dashboard's views (opens from disk, no
                              network): --out FILE (default <run dir>/report.html); more runs are overlaid
  sweep <file.sweep.yaml>     run every point of a sweep file (docs/sweeps.md), each a normal run tagged with the
                              sweep; prints a table per point and per axis (mean ± spread over seeds) at the end:
                              --workers N (local pool; default from the cores and the backend)
                              --queue redis://[user:password@]host:port[/db] (or rediss://, or $DYNAXX_QUEUE_URL;
                              password also from $DYNAXX_QUEUE_PASSWORD): put the points on a BullMQ queue that
                              \`dynaxx worker\` processes serve; --detach: queue them and return
                              --attach ID   pick up a sweep whose driver stopped     --cancel ID  (queue) stop one
                              --report ID   the tables again, and one HTML report (--out FILE)
                              --json: the summary as JSON; --json --events: every event as a JSON line too
  worker --queue URL          train sweep points from a queue until Ctrl-C: --concurrency N (default 1),
                              --backend B, --runs-dir DIR (shared: a retried point resumes its checkpoint),
                              --data-dir DIR (where relative data paths resolve; default .), --stall-s S (how
                              soon a dead worker's point is retried elsewhere; default 30)
  serve                       run the trainer protocol over TCP for an editor on another machine:
                              dynaxx serve --port 7470 --token T (model file paths are paths on this machine)

options:
  --backend auto|tensorflow|webgpu|wasm|cpu
  --epochs N  --steps N  --batch-size N  --lr X  --limit N  --seed N
                              checked with the rules of the model file's train: and data: fields
  --runs-dir DIR              default: $DYNAXX_RUNS_DIR or ./.dynaxx/runs
  --log-every N               read training metrics back every N steps (default 20)
  --monitors LIST|none        per-layer alert monitors, comma-separated: ${MONITORS}
                              (default: all three when train.statsEvery > 0, else none; a list given
                              while statsEvery is 0 runs every 10 steps)
  --discover                  train: discover subnetworks (modularity: on) when the file has no modularity: block
  --split test|validation     for eval
  --json                      machine-readable output
  --quiet                     no progress bar

serve options:
  --port N                    TCP port (default 7470; 0 picks a free one, printed as \`listening on HOST:PORT\`)
  --token T                   clients must send it in initialize (default $DYNAXX_TRAINER_TOKEN)
  --host ADDR                 bind address (default 127.0.0.1: this machine only; 0.0.0.0 exposes the
                              trainer to the network: use a token, and a firewall or SSH tunnel)
  --insecure                  serve without a token (only on a trusted network)
  --max-message-mb N          serve: largest message after authentication (default 64; 1 MB before it)
  --auth-timeout-s S          serve: close connections that have not authenticated by then (default 10)
  --runs-dir DIR              where runs go on this machine (clients' runsDir is ignored)
`;

/** Exit codes: 0 success, 1 the run failed or diverged, 2 bad input, 130 interrupted (the run is resumable). */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        backend: { type: 'string' },
        epochs: { type: 'string' },
        steps: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        limit: { type: 'string' },
        seed: { type: 'string' },
        'runs-dir': { type: 'string' },
        'log-every': { type: 'string' },
        split: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        monitors: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        insecure: { type: 'boolean' },
        'max-message-mb': { type: 'string' },
        'auth-timeout-s': { type: 'string' },
        data: { type: 'string' },
        add: { type: 'string' },
        'joint-steps': { type: 'string' },
        extract: { type: 'string' },
        out: { type: 'string' },
        samples: { type: 'string' },
        discover: { type: 'boolean' },
        criteria: { type: 'string' },
        targets: { type: 'string' },
        schedule: { type: 'string' },
        'finetune-steps': { type: 'string' },
        'score-steps': { type: 'string' },
        seeds: { type: 'string' },
        route: { type: 'boolean' },
        analyze: { type: 'boolean' },
        workers: { type: 'string' },
        queue: { type: 'string' },
        attach: { type: 'string' },
        report: { type: 'string' },
        cancel: { type: 'string' },
        detach: { type: 'boolean' },
        events: { type: 'boolean' },
        concurrency: { type: 'string' },
        'data-dir': { type: 'string' },
        'stall-s': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`dynaxx: ${printable((e as Error).message)}\n\n${USAGE}`);
    return 2;
  }
  const { values: o, positionals } = parsed;
  const [command, target] = positionals;
  if (o.help || !command) {
    process.stdout.write(USAGE);
    return command || o.help ? 0 : 2;
  }
  const runsDir = resolve(o['runs-dir'] ?? process.env.DYNAXX_RUNS_DIR ?? '.dynaxx/runs');
  try {
    switch (command) {
      case 'train':
        if (!target) throw new UsageError('train needs a model file: dynaxx train examples/fashion-mlp.dynaxx.yaml');
        return await train(o, () => startRun(resolve(target), runOverrides(o), sessionOpts(o, runsDir)));
      case 'resume':
        if (!target) throw new UsageError('resume needs a run id (see `dynaxx runs`)');
        return await train(o, () => resumeRun(target, sessionOpts(o, runsDir), backendFlag(o)));
      case 'eval': {
        if (!target) throw new UsageError('eval needs a run id (see `dynaxx runs`)');
        const split = (o.split ?? 'test') as 'test' | 'validation';
        if (split !== 'test' && split !== 'validation') throw new UsageError(`--split must be test or validation, not '${printable(String(o.split))}'`);
        const r = await evaluateRun(runsDir, target, split, backendFlag(o));
        if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else process.stdout.write(`${table(['run', 'step', 'split', 'samples', 'loss', 'accuracy'], [[r.runId, r.step, r.split, r.samples, r.loss, r.accuracy]])}\n`);
        return 0;
      }
      case 'runs': {
        const runs = new RunStore(runsDir).list();
        if (o.json) {
          process.stdout.write(`${JSON.stringify(runs)}\n`);
        } else if (runs.length === 0) {
          process.stdout.write(printable(`no runs in ${runsDir}\n`));
        } else {
          const rows = runs.map((r) => [r.id, r.status, r.backend, `${r.step}/${r.totalSteps}`, acc(r.final?.testAccuracy ?? r.final?.valAccuracy ?? r.best?.valAccuracy), r.error ?? '']);
          process.stdout.write(`${table(['run', 'status', 'backend', 'step', 'accuracy', 'note'], rows)}\n`);
        }
        return 0;
      }
      case 'check': {
        if (!target) throw new UsageError('check needs a model file');
        const out = await checkCommand(target, o);
        process.stdout.write(out.stdout);
        process.stderr.write(out.stderr);
        return out.code;
      }
      case 'backends': {
        const probes = await probeAll();
        const auto = await describeAuto(probes);
        if (o.json) process.stdout.write(`${JSON.stringify({ backends: probes, auto })}\n`);
        else process.stdout.write(`${table(['backend', 'available', 'device / what to do'], probes.map((p) => [p.name, p.available ? 'yes' : 'no', p.device ?? p.detail ?? '']))}\nauto -> ${auto.backend} (${auto.reason})\n`);
        return 0;
      }
      case 'serve':
        return await serve(o, runsDir);
      case 'modules': {
        if (!target) throw new UsageError('modules needs a run id (see `dynaxx runs`)');
        const out = await modulesCommand(runsDir, target, { extract: o.extract as string | undefined, out: o.out as string | undefined, json: !!o.json });
        process.stdout.write(o.json ? out : printable(out));
        return 0;
      }
      case 'paths': {
        if (!target) throw new UsageError('paths needs a run id (see `dynaxx runs`)');
        const out = await pathsCommand(runsDir, target, {
          analyze: !!o.analyze, samples: flag(o, CLI_RULES.samples), json: !!o.json, log: (l) => process.stderr.write(`${printable(l)}\n`),
        });
        process.stdout.write(o.json ? out : printable(out));
        return 0;
      }
      case 'grow':
        if (!target || !o.data) throw new UsageError('grow needs a run id and the new data: dynaxx grow <run-id> --data new-data.dynaxx.yaml');
        return await train(o, () => startGrowth(target, resolve(o.data as string), {
          add: flag(o, CLI_RULES.add), epochs: flag(o, RUN_OVERRIDE_RULES.epochs), steps: flag(o, RUN_OVERRIDE_RULES.steps), lr: flag(o, RUN_OVERRIDE_RULES.lr),
          jointSteps: flag(o, CLI_RULES.jointSteps), backend: backendFlag(o),
        }, sessionOpts(o, runsDir)));
      case 'prune': {
        if (!target) throw new UsageError('prune needs a model file or a completed run id: dynaxx prune examples/fashion-cnn.dynaxx.yaml');
        const outcome = await runPrune(existsSync(target) ? resolve(target) : target, {
          ...pruneOverrides(o), route: !!o.route, backend: backendFlag(o),
        }, sessionOpts(o, runsDir));
        bar.done();
        process.stdout.write(o.json ? `${JSON.stringify({ runId: outcome.runId, sweep: outcome.sweep, routing: outcome.routing })}\n` : printable(formatOutcome(outcome)));
        return 0;
      }
      case 'transfer': {
        if (!target) throw new UsageError('transfer needs a run id (see `dynaxx runs`)');
        const out = await transferCommand(runsDir, target, o.data as string | undefined, { samples: flag(o, CLI_RULES.samples), json: !!o.json });
        process.stdout.write(o.json ? out : printable(out));
        return 0;
      }
      case 'report': {
        const ids = positionals.slice(1);
        if (ids.length === 0) throw new UsageError('report needs a run id (see `dynaxx runs`): dynaxx report <run-id> [<run-id>...] [--out report.html]');
        const r = writeReport(runsDir, ids, o.out as string | undefined);
        process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : printable(`report: ${r.file} (${Math.ceil(r.bytes / 1024)} KiB)\n`));
        return 0;
      }
      case 'sweep':
        return await sweepCommand(o, target, runsDir);
      case 'worker':
        return await workerCommand(o, runsDir);
      case '__sweep-point':
        return await sweepPointChild();
      default:
        throw new UsageError(`unknown command '${printable(command)}'`);
    }
  } catch (e) {
    return reportError(e, USAGE);
  }
}

/** `dynaxx serve`: until Ctrl-C, which cancels the active run (with a checkpoint) and exits 0. */
async function serve(o: Opts, runsDir: string): Promise<number> {
  const port = flag(o, CLI_RULES.port) ?? 7470;
  const token = (o.token as string | undefined) ?? process.env.DYNAXX_TRAINER_TOKEN;
  if (token === '') throw new UsageError('--token must not be empty');
  if (token === undefined && !o.insecure) {
    throw new UsageError('serve needs a token: --token T (or $DYNAXX_TRAINER_TOKEN); clients send it in initialize (VS Code: dynaxx.trainer.token). --insecure serves without one');
  }
  const host = (o.host as string | undefined) ?? '127.0.0.1';
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${printable(line)}\n`);
  const maxMb = flag(o, CLI_RULES.maxMessageMb);
  const authS = flag(o, CLI_RULES.authTimeoutS);
  const limits = { ...(maxMb !== undefined ? { messageBytes: maxMb * 1024 * 1024 } : {}), ...(authS !== undefined ? { authTimeoutMs: authS * 1000 } : {}) };
  const remote = await serveTcp({ port, host, token, runsDir, log, limits }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE') throw new UserError(`dynaxx serve: ${host}:${port} is in use; pick another --port (0 picks a free one)`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new UserError(`dynaxx serve: cannot bind to ${host}: not an address of this machine; try --host 127.0.0.1`);
    throw e;
  });
  process.stderr.write(printable(`listening on ${remote.host}:${remote.port} (runs in ${runsDir}${token === undefined ? '; NO TOKEN: anyone who can connect can train and read files' : ''})\n`));
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) process.stderr.write(printable(`warning: ${host} is reachable from other machines; keep the token secret, or use an SSH tunnel\n`));
  return new Promise((resolvePromise) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`stopping: ${remote.core.active ? `cancelling run ${remote.core.active.id} (with a checkpoint)` : 'no active run'}\n`);
      await remote.close();
      process.stderr.write('stopped\n');
      resolvePromise(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

let bar: ProgressBar;

function sessionOpts(o: Opts, runsDir: string) {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ninterrupted: finishing the step and writing a checkpoint (Ctrl-C again to quit at once)\n');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  bar = new ProgressBar(process.stderr, !!o.quiet || !!o.json);
  return {
    runsDir,
    signal: controller.signal,
    logEvery: flag(o, CLI_RULES.logEvery),
    monitors: monitorsFlag(o.monitors),
    events: {
      onMetrics: (_id: string, recs: Array<Record<string, unknown>>) => {
        for (const r of recs) if (r.split === 'train') bar.metrics(r.loss as number, r.samplesPerSec as number);
      },
      onProgress: (_id: string, step: number, total: number) => bar.update(step, total),
      // a grouped alert is one line: the first layer's message, then the others
      onAlert: (_id: string, a: Alert) => process.stderr.write(printable(`\nalert${a.layerId ? ` [${a.layerId}${a.others?.length ? ` +${a.others.length}` : ''}]` : ''}: ${a.message}${a.others?.length ? ` Also on${moreLayers(a, 5).replace(/^ and/, '')}.` : ''}\n`)),
      onLog: (level: string, msg: string) => { if (!o.quiet && !o.json) process.stderr.write(printable(`${level === 'info' ? '' : `${level}: `}${msg}\n`)); },
    },
  };
}

async function train(o: Opts, prepare: () => Promise<PreparedRun>): Promise<number> {
  const run = await prepare();
  const started = Date.now();
  const result = await run.run();
  bar.update(result.step, result.totalSteps, true);
  bar.done();
  const seconds = (Date.now() - started) / 1000;
  const summary = {
    run: run.runId,
    status: result.status,
    backend: run.backend,
    device: run.device,
    steps: `${result.step}/${result.totalSteps}`,
    seconds: Number(seconds.toFixed(1)),
    ...result.final,
    ...(result.error ? { error: result.error } : {}),
    runDir: run.runDir,
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const rows = Object.entries(summary).map(([k, v]) => [k, typeof v === 'number' ? formatNumber(v) : String(v)]);
    process.stdout.write(`\n${table(['', ''], rows).split('\n').slice(2).join('\n')}\n`);
    if (result.status === 'cancelled') process.stdout.write(`\nresume with: dynaxx resume ${run.runId}\n`);
  }
  if (result.status === 'completed') return 0;
  if (result.status === 'cancelled') return 130;
  if (!o.json) process.stderr.write(printable(`run ${run.runId} ${result.status}: ${result.error}\n`));
  return 1;
}

function acc(v: number | undefined): string {
  return v === undefined ? '' : `${(v * 100).toFixed(2)}%`;
}

export { reportError };

if (require.main === module) {
  const fail = (e: unknown) => process.exit(reportError(e));
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  main(process.argv.slice(2)).then((code) => process.exit(code), fail);
}
