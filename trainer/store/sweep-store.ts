/**
 * Where a sweep's driver keeps what it knows: `<runs dir>/.sweeps/<sweep-id>/` (a dot folder, so the run store
 * never takes it for a run, and it travels with a shared runs directory):
 *
 *   sweep.json   SweepRecord: the definition and every point's latest state, replaced atomically on each change
 *   jobs.json    the jobs (each point's model text), written once, so `dynaxx sweep --attach` can go on
 *   report.html  `dynaxx sweep --report` (optional)
 *
 * A kill never leaves a half-written file: both are written to a temporary name and renamed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SweepJob, SweepRecord } from '../../protocol/sweep';
import { quoteValue } from '../../spec/limits';
import { UserError } from '../errors';
import { writeJsonAtomic } from './atomic';

export const SWEEPS_FOLDER = '.sweeps';

export class SweepStore {
  readonly dir: string;

  constructor(runsDir: string) {
    this.dir = path.join(path.resolve(runsDir), SWEEPS_FOLDER);
  }

  folder(id: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/.test(id)) throw new UserError(`invalid sweep id '${quoteValue(id)}'`);
    return path.join(this.dir, id);
  }

  create(record: SweepRecord, jobs: SweepJob[]): void {
    fs.mkdirSync(this.folder(record.def.id), { recursive: true });
    writeJsonAtomic(path.join(this.folder(record.def.id), 'jobs.json'), jobs);
    this.write(record);
  }

  write(record: SweepRecord): void {
    fs.mkdirSync(this.folder(record.def.id), { recursive: true });
    writeJsonAtomic(path.join(this.folder(record.def.id), 'sweep.json'), { ...record, updatedAt: new Date().toISOString() });
  }

  /** The full id of a stored sweep for an id or unique prefix; undefined when none is stored here. */
  find(idOrPrefix: string): string | undefined {
    const ids = this.ids();
    if (ids.includes(idOrPrefix)) return idOrPrefix;
    const m = ids.filter((i) => i.startsWith(idOrPrefix));
    if (m.length > 1) throw new UserError(`sweep id '${quoteValue(idOrPrefix)}' is ambiguous; it matches: ${m.slice(0, 10).join(', ')}`);
    return m[0];
  }

  read(idOrPrefix: string): SweepRecord {
    const id = this.find(idOrPrefix);
    if (!id) {
      const known = this.ids();
      throw new UserError(`no sweep '${quoteValue(idOrPrefix)}' in ${this.dir}${known.length ? `; the sweeps here: ${known.slice(-10).join(', ')}` : ''} (a sweep on a queue: add --queue URL)`);
    }
    return this.readJson<SweepRecord>(id, 'sweep.json');
  }

  jobs(id: string): SweepJob[] {
    return this.readJson<SweepJob[]>(id, 'jobs.json');
  }

  /** Sweep ids, oldest first (ids sort by creation time). */
  ids(): string[] {
    try {
      return fs.readdirSync(this.dir, { withFileTypes: true }).filter((e) => e.isDirectory() && fs.existsSync(path.join(this.dir, e.name, 'sweep.json'))).map((e) => e.name).sort();
    } catch {
      return [];
    }
  }

  private readJson<T>(id: string, name: string): T {
    const file = path.join(this.folder(id), name);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    } catch (e) {
      throw new UserError(`sweep ${id}: ${file} cannot be read (${(e as Error).message.split('\n')[0]}); start the sweep again from its file`);
    }
  }
}

/** A new sweep id: UTC time, the sweep's name, 4 random hex digits (`20261204-231500-mlp-lr-3fa2`). */
export function newSweepId(name: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const t = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  const s = name.toLowerCase().replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '') || 'sweep';
  return `${t}-${s}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}
