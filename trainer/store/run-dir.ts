/**
 * One run directory (see run-store.ts for the layout): its run.json (RunMeta), spec, metrics, alerts, layer
 * statistics, reports, TensorBoard writers and checkpoints. A damaged file is a UserError that names it and says what
 * to do; a run left 'running' by a trainer that is gone (a dead pid, a zombie, a pid reused by another process) reads
 * back as 'interrupted'.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isReportName, REPORT_NAMES, reportFile, type ReportName, type StoredReports } from '../../protocol/reports';
import type { MetricRecord, RunStatus, RunSummary } from '../../protocol/trainer';
import type { ModelFile } from '../../spec/types';
import { quoteValue } from '../../spec/limits';
import { UserError } from '../errors';
import { isPidAlive, isTempName, processStartTime, writeFileAtomic, writeJsonAtomic } from './atomic';
import { readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointData, type CheckpointInfo } from './checkpoint';
import { JsonlAppender, readJsonl, toJsonl } from './jsonl';
import { EventWriter } from './tensorboard';

/** `run.json`: the protocol's RunSummary plus what only the store needs. */
export interface RunMeta extends RunSummary {
  /** Trainer process, while running; with `host`, used to detect a dead trainer. */
  pid?: number;
  host?: string;
  /** Start time of `pid` (atomic.ts processStartTime), so that a reused pid is not taken for the trainer. */
  pidStart?: number;
  /** Newest checkpoint; `dir` is relative to the run directory. */
  checkpoint?: { step: number; dir: string };
}

export interface RunStoreOptions {
  /** Longest time a metric record stays in memory (default 2000 ms). */
  flushIntervalMs?: number;
}

export const RUN_JSON = 'run.json';
const METRICS = 'metrics.jsonl';
const ALERTS = 'alerts.jsonl';
const LAYER_STATS = 'layer-stats.jsonl';
/** Everything the store and the commands write into a run folder (`delete` of a corrupt run checks for it). */
export const RUN_LAYOUT = new Set([RUN_JSON, 'spec.json', 'model.dynaxx.yaml', METRICS, ALERTS, LAYER_STATS, 'reports', 'checkpoints', 'tb', 'export', 'report.html']);
/** The statuses a run.json may hold (`corrupt` is only read back); a Record, so a new RunStatus cannot be missed. */
const STORED: Record<Exclude<RunStatus, 'corrupt'>, true> = { running: true, completed: true, failed: true, diverged: true, cancelled: true, interrupted: true };
const STATUSES: ReadonlySet<string> = new Set(Object.keys(STORED));
/** The fields every run.json has, with their JSON types. */
const REQUIRED: Array<[keyof RunMeta, 'string' | 'number']> = [
  ['name', 'string'], ['modelFile', 'string'], ['status', 'string'], ['backend', 'string'], ['device', 'string'],
  ['createdAt', 'string'], ['updatedAt', 'string'], ['step', 'number'], ['totalSteps', 'number'],
];

/** One run directory. Keep one RunDir per writer: it owns the metrics buffer and event writers. */
export class RunDir {
  readonly id: string;
  private metrics: JsonlAppender;
  private alerts: JsonlAppender;
  private layerStats: JsonlAppender;
  private writers = new Map<string, EventWriter>();

  constructor(readonly dir: string, private readonly opts: RunStoreOptions = {}) {
    this.id = path.basename(dir);
    this.metrics = new JsonlAppender(path.join(dir, METRICS), opts.flushIntervalMs ?? 2000);
    this.alerts = new JsonlAppender(path.join(dir, ALERTS), 0);
    this.layerStats = new JsonlAppender(path.join(dir, LAYER_STATS), opts.flushIntervalMs ?? 2000);
  }

  /** run.json as stored, or undefined with the reason when it is missing or damaged. */
  private readRaw(): { meta?: RunMeta; problem?: string } {
    const read = readJsonFile(path.join(this.dir, RUN_JSON), RUN_JSON);
    if (read.problem) return { problem: read.problem };
    const meta = read.value as RunMeta;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return { problem: 'run.json is damaged: not a JSON object' };
    for (const [key, type] of REQUIRED) {
      if (typeof meta[key] !== type) return { problem: `run.json is damaged: '${key}' is missing or not a ${type}` };
    }
    if (!STATUSES.has(meta.status)) return { problem: `run.json is damaged: unknown status '${quoteValue(meta.status)}'` };
    return { meta };
  }

  /** The run's metadata; a 'running' run whose trainer died reads as 'interrupted'. */
  meta(): RunMeta {
    const { meta, problem } = this.readRaw();
    if (!meta) return this.corruptMeta(problem ?? 'run.json is unreadable');
    const m: RunMeta = { ...meta, id: this.id };
    if (m.status === 'running' && trainerIsDead(m)) m.status = 'interrupted';
    return m;
  }

  /** Throws a UserError (which file, what to do) when run.json or spec.json is damaged: the run cannot be resumed. */
  checkResumable(): void {
    const m = this.meta();
    if (m.status === 'corrupt') {
      throw new UserError(`run ${this.id}: ${m.error} (${path.join(this.dir, RUN_JSON)}); the run cannot be resumed: start a new run from its model file (${path.join(this.dir, 'model.dynaxx.yaml')})`);
    }
    this.readSpec();
  }

  /** Merge `patch` into run.json (atomically) and return the result. Setting `pid` to this process records its identity. */
  updateMeta(patch: Partial<Omit<RunMeta, 'id'>>): RunMeta {
    const { meta, problem } = this.readRaw();
    if (!meta) throw new UserError(`cannot update run ${this.id}: ${problem} (${path.join(this.dir, RUN_JSON)}); the run cannot go on: start a new run from its model file`);
    const who = 'pid' in patch ? (patch.pid === process.pid ? trainerIdentity() : { pidStart: undefined }) : {};
    const next: RunMeta = { ...meta, ...patch, ...who, id: this.id, updatedAt: new Date().toISOString() };
    writeJsonAtomic(path.join(this.dir, RUN_JSON), next);
    return next;
  }

  /** Store the resolved spec as `spec.json` and the source text as `model.dynaxx.yaml`. */
  writeSpec(model: ModelFile, sourceText?: string): void {
    writeJsonAtomic(path.join(this.dir, 'spec.json'), model);
    let text = sourceText;
    if (text === undefined) {
      try {
        text = fs.readFileSync(model.file, 'utf8');
      } catch {
        text = undefined; // the spec may come from memory or a model.json; spec.json is enough
      }
    }
    if (text !== undefined) writeFileAtomic(path.join(this.dir, 'model.dynaxx.yaml'), text);
  }

  /** `spec.json`; a UserError (which file, what to do) when it is missing or damaged. */
  readSpec(): ModelFile {
    const { value, problem } = readJsonFile(path.join(this.dir, 'spec.json'), 'spec.json');
    const spec = value as ModelFile | undefined;
    const why = problem ?? (typeof spec !== 'object' || spec === null || !Array.isArray(spec.layers) || typeof spec.train !== 'object' ? 'spec.json is damaged: not a resolved model' : undefined);
    if (why) throw new UserError(`run ${this.id}: ${why} (${path.join(this.dir, 'spec.json')}); the run cannot be resumed or evaluated: start a new run from its model file (${path.join(this.dir, 'model.dynaxx.yaml')})`);
    return spec!;
  }

  /** Buffered; on disk within `flushIntervalMs` (2 s), or at `flush()`/`close()`/process exit. */
  appendMetrics(rec: MetricRecord): void {
    this.metrics.append(rec);
  }

  /** Every metric record on disk (after flushing this writer's buffer); a torn last line is skipped. */
  readMetrics(): MetricRecord[] {
    this.metrics.flush();
    return readJsonl<MetricRecord>(path.join(this.dir, METRICS));
  }

  /** For a resume: drop records after `step` (the checkpoint's step), rewriting the file atomically. */
  truncateMetricsAfter(step: number): void {
    for (const [appender, name] of [[this.metrics, METRICS], [this.layerStats, LAYER_STATS]] as const) {
      appender.close(); // the open descriptor would point at the replaced file
      const file = path.join(this.dir, name);
      if (!fs.existsSync(file)) continue;
      const kept = readJsonl<{ step: number }>(file).filter((r) => r.step <= step);
      writeFileAtomic(file, toJsonl(kept));
    }
  }

  /** Append one step's per-layer statistics to `layer-stats.jsonl` (buffered like metrics). */
  appendLayerStats(rec: { step: number; time: number; layers: object[] }): void {
    this.layerStats.append(rec);
  }

  readLayerStats(): Array<{ step: number; time: number; layers: Array<Record<string, number | string>> }> {
    return readJsonl(path.join(this.dir, LAYER_STATS));
  }

  /** Append to `alerts.jsonl`, on disk before this returns. */
  appendAlert(alert: object): void {
    this.alerts.append(alert);
  }

  readAlerts(): Record<string, unknown>[] {
    return readJsonl<Record<string, unknown>>(path.join(this.dir, ALERTS));
  }

  /** Write `reports/<name>.json` atomically (the names and their types: protocol/reports.ts). */
  writeReport<N extends ReportName>(name: N, obj: StoredReports[N]): string {
    const file = this.reportPath(name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeJsonAtomic(file, obj);
    return file;
  }

  /**
   * `reports/<name>.json` as this trainer wrote it (typed by protocol/reports.ts; the JSON is parsed, not checked
   * field by field), or undefined when the run has none; a UserError when it is damaged.
   */
  readReport<N extends ReportName>(name: N): StoredReports[N] | undefined {
    const file = this.reportPath(name);
    if (!fs.existsSync(file)) return undefined;
    const { value, problem } = readJsonFile(file, `reports/${path.basename(file)}`);
    if (problem) throw new UserError(`run ${this.id}: ${problem} (${file}); delete it and run the analysis again`);
    return value as StoredReports[N];
  }

  /** Report names (without `.json`). */
  listReports(): string[] {
    const dir = path.join(this.dir, 'reports');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((n) => n.endsWith('.json') && !isTempName(n)).map((n) => n.slice(0, -5)).sort();
  }

  /** Only the names of protocol/reports.ts (a name from elsewhere is a bug: it never becomes a path). */
  private reportPath(name: ReportName): string {
    if (!isReportName(name)) throw new Error(`invalid report name '${quoteValue(String(name))}' (one of ${REPORT_NAMES.join(', ')})`);
    return path.join(this.dir, 'reports', reportFile(name));
  }

  /** The TensorBoard writer for a split (`tb/<split>/`), created on first use. */
  eventWriter(split: string): EventWriter {
    let w = this.writers.get(split);
    if (!w) {
      w = new EventWriter(path.join(this.dir, 'tb', split), this.opts.flushIntervalMs ?? 2000);
      this.writers.set(split, w);
    }
    return w;
  }

  /** Write a checkpoint (see checkpoint.ts) and record it in run.json. */
  writeCheckpoint(step: number, ckpt: CheckpointData, opts: { keep?: number } = {}): CheckpointInfo {
    this.metrics.flush(); // metrics up to the checkpoint are on disk before it is
    const info = writeCheckpoint(this.dir, step, ckpt, opts);
    this.updateMeta({ checkpoint: { step, dir: path.relative(this.dir, info.dir) } });
    return info;
  }

  /** The newest readable checkpoint (or the one for `step`); undefined when there is none. */
  readCheckpoint(step?: number): Checkpoint | undefined {
    return readCheckpoint(this.dir, step);
  }

  /** Put every buffered metric and event on disk. */
  flush(): void {
    this.metrics.flush();
    this.layerStats.flush();
    for (const w of this.writers.values()) w.flush();
  }

  close(): void {
    this.metrics.close();
    this.alerts.close();
    this.layerStats.close();
    for (const w of this.writers.values()) w.close();
    this.writers.clear();
  }

  private corruptMeta(problem: string): RunMeta {
    const created = idTime(this.id) ?? mtime(this.dir);
    return {
      id: this.id,
      name: this.id,
      modelFile: '',
      status: 'corrupt',
      backend: '',
      device: '',
      createdAt: created,
      updatedAt: created,
      step: 0,
      totalSteps: 0,
      error: problem,
    };
  }
}

function trainerIsDead(m: RunMeta): boolean {
  if (m.pid === undefined) return true;
  if (m.host !== undefined && m.host !== os.hostname()) return false; // another machine: cannot tell
  if (!isPidAlive(m.pid)) return true;
  // alive, but maybe a later process that got the same pid
  const start = m.pidStart === undefined ? undefined : processStartTime(m.pid);
  return start !== undefined && start !== m.pidStart;
}

/** This process as the trainer of a run: pid, host, and the pid's start time where the system tells it. */
export function trainerIdentity(): Pick<RunMeta, 'pid' | 'host' | 'pidStart'> {
  return { pid: process.pid, host: os.hostname(), pidStart: processStartTime(process.pid) };
}

/** A JSON file's value, or what is wrong with it (never its content: it may not be ours). */
function readJsonFile(file: string, name: string): { value?: unknown; problem?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { problem: err.code === 'ENOENT' ? `${name} is missing` : `${name} is unreadable (${err.code ?? err.message})` };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { problem: `${name} is damaged: not valid JSON` };
  }
}

function idTime(id: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(id);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : undefined;
}

function mtime(dir: string): string {
  try {
    return fs.statSync(dir).mtime.toISOString();
  } catch {
    return new Date(0).toISOString();
  }
}
