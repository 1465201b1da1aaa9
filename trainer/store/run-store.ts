/**
 * The run store: one directory per training run under `<workspace>/.dynaxx/runs/<run-id>/` (one run: run-dir.ts).
 *
 *   run.json            RunMeta, replaced atomically on every update
 *   spec.json           the resolved ModelFile the run was started with
 *   model.dynaxx.yaml   the model file's text, as it was
 *   metrics.jsonl       MetricRecord lines, flushed at least every 2 s
 *   alerts.jsonl        monitor alerts, flushed immediately
 *   layer-stats.jsonl   per-layer statistics every `train.statsEvery` steps (buffered like metrics)
 *   reports/<name>.json final reports (Pareto points, subnetworks, routing statistics), atomic; names and types
 *                       in protocol/reports.ts
 *   checkpoints/        see checkpoint.ts
 *   tb/<split>/         TensorBoard event files, see tensorboard.ts
 *
 * A kill never corrupts a run: every file is either replaced atomically or append-only with torn
 * tails tolerated. A run left 'running' by a dead process reads back as 'interrupted' (resumable).
 *
 * What is a run: a folder of the runs directory that holds a `run.json` file. Other folders are not runs: not
 * listed, never opened or deleted. A run whose run.json is damaged is listed as 'corrupt'. Readers open a run by
 * its id or a unique prefix of it; `delete` takes the exact id only, and deletes a run with a damaged run.json
 * only when the folder holds nothing but what the store writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { MetricRecord, RunStatus } from '../../protocol/trainer';
import type { ModelFile } from '../../spec/types';
import { quoteValue } from '../../spec/limits';
import { UserError } from '../errors';
import { cleanStaleTemps, isTempName, tempPathFor, writeJsonAtomic } from './atomic';
import { RUN_JSON, RUN_LAYOUT, RunDir, trainerIdentity, type RunMeta, type RunStoreOptions } from './run-dir';

export { RunDir, type RunMeta, type RunStoreOptions } from './run-dir';
export type { MetricRecord, RunStatus };
export type Split = MetricRecord['split'];

export interface CreateRunOptions {
  /** Display name (default: the model's name). */
  name?: string;
  /** Text of the model file, kept as `model.dynaxx.yaml` (default: read from `model.file`). */
  sourceText?: string;
  backend: string;
  device: string;
  totalSteps: number;
  /** The sweep point this run trains (protocol/sweep.ts). */
  sweep?: RunMeta['sweep'];
}

export class RunStore {
  /** The runs directory itself (by convention `<workspace>/.dynaxx/runs`): runs are its sub-folders. */
  readonly runsDir: string;

  constructor(runsDir: string, private readonly opts: RunStoreOptions = {}) {
    this.runsDir = path.resolve(runsDir);
  }

  /** Start a new run: a fresh directory with `run.json` (status 'running', this pid) and the spec. */
  create(model: ModelFile, opts: CreateRunOptions): RunDir {
    fs.mkdirSync(this.runsDir, { recursive: true });
    cleanStaleTemps(this.runsDir);
    const now = new Date();
    let id = '';
    for (let attempt = 0; ; attempt++) {
      id = `${timestampId(now)}-${slug(model.name)}-${randomBytes(2).toString('hex')}`;
      try {
        fs.mkdirSync(path.join(this.runsDir, id));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 20) throw e;
      }
    }
    const run = new RunDir(path.join(this.runsDir, id), this.opts);
    const meta: RunMeta = {
      id,
      name: opts.name ?? model.name,
      modelFile: model.file,
      status: 'running',
      backend: opts.backend,
      device: opts.device,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      step: 0,
      totalSteps: opts.totalSteps,
      ...(opts.sweep ? { sweep: opts.sweep } : {}),
      ...trainerIdentity(),
    };
    writeJsonAtomic(path.join(run.dir, RUN_JSON), meta);
    run.writeSpec(model, opts.sourceText);
    return run;
  }

  /** Open a run by id or unique id prefix; the error lists the known ids. */
  open(idOrPrefix: string): RunDir {
    return new RunDir(path.join(this.runsDir, this.resolve(idOrPrefix)), this.opts);
  }

  /** The full id for an id or unique prefix of a run (a folder with a run.json). */
  resolve(idOrPrefix: string): string {
    checkIdSyntax(idOrPrefix);
    const ids = this.ids();
    if (ids.includes(idOrPrefix)) return idOrPrefix;
    const matches = ids.filter((id) => id.startsWith(idOrPrefix));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw new UserError(`run id '${quoteValue(idOrPrefix)}' is ambiguous; it matches: ${listIds(matches)}`);
    throw this.noSuchRun(idOrPrefix, ids);
  }

  /** Run ids, oldest first (ids sort by creation time): the folders that hold a run.json. */
  ids(): string[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.runsDir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !isTempName(e.name) && isFile(path.join(this.runsDir, e.name, RUN_JSON)))
      .map((e) => e.name)
      .sort();
  }

  /** Every run, newest first. Runs whose run.json is damaged are listed with status 'corrupt'. */
  list(): RunMeta[] {
    const metas = this.ids().map((id) => new RunDir(path.join(this.runsDir, id), this.opts).meta());
    return metas.sort((a, b) => (a.createdAt === b.createdAt ? cmp(b.id, a.id) : cmp(b.createdAt, a.createdAt)));
  }

  /**
   * Delete a run, by its exact id (no prefixes: deleting is not undone). Refuses a folder without run.json (not a
   * run), a run whose trainer is still alive unless `force`, and a run whose run.json is damaged when its folder
   * holds anything the store does not write (it may not be a run: the user checks and deletes it by hand).
   */
  delete(id: string, opts: { force?: boolean } = {}): void {
    checkIdSyntax(id);
    const dir = path.join(this.runsDir, id);
    if (!this.ids().includes(id)) {
      if (isDirectory(dir)) throw new UserError(`'${quoteValue(id)}' in ${this.runsDir} is not a run (it has no run.json); nothing was deleted`);
      throw this.noSuchRun(id, this.ids(), ' (run/delete needs the exact id)');
    }
    const meta = new RunDir(dir, this.opts).meta();
    if (meta.status === 'corrupt') {
      const foreign = fs.readdirSync(dir).filter((n) => !RUN_LAYOUT.has(n) && !isTempName(n));
      if (foreign.length > 0) {
        throw new UserError(`run ${id}: ${meta.error}, and its folder holds files a run does not have (${listIds(foreign, 5)}); ` +
          `nothing was deleted: check ${dir} and delete it by hand if it is not needed`);
      }
    }
    if (meta.status === 'running' && !opts.force) throw new UserError(`run ${id} is still running (pid ${meta.pid}); stop it first`);
    // Rename first so the run disappears at once; a crash mid-delete leaves only a temp dir.
    const aside = tempPathFor(dir);
    fs.renameSync(dir, aside);
    fs.rmSync(aside, { recursive: true, force: true });
  }

  private noSuchRun(id: string, ids: string[], note = ''): UserError {
    const known = ids.slice(-20).reverse();
    const more = ids.length > known.length ? `, ... (${ids.length - known.length} more)` : '';
    return new UserError(`no run '${quoteValue(id)}' in ${this.runsDir}${note}; known runs: ${known.join(', ') || '(none)'}${more}`);
  }
}

/** Ids name folders of the runs directory: never empty, a path, or a dot name. */
function checkIdSyntax(id: string): void {
  if (typeof id !== 'string' || id === '' || /[\\/\0]/.test(id) || id.startsWith('.')) throw new UserError(`invalid run id '${quoteValue(String(id))}'`);
}

function listIds(ids: string[], max = 20): string {
  return ids.slice(0, max).map((i) => quoteValue(i)).join(', ') + (ids.length > max ? `, ... (${ids.length - max} more)` : '');
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `YYYYMMDD-HHMMSS` in UTC, so ids sort by creation time everywhere. */
function timestampId(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return s || 'model';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
