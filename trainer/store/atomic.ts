/**
 * Crash-safe file writes: a reader (or a restarted trainer) sees either the old file or the new
 * one, never a half-written one. Write a temp file beside the target, fsync it, rename it over the
 * target, then fsync the directory so the rename itself survives a power cut.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Temp names start with this, so directory scans can recognise and ignore (or clean) them. */
export const TEMP_MARKER = '.tmp-';

/** `.<name>.tmp-<pid>-<rand>` in the same directory as `target`. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** True for names produced by `tempPathFor` (or `tempDirFor`). */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.includes(TEMP_MARKER);
}

/** fsync a directory so a rename/create inside it is durable. Ignored where unsupported (Windows). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Directories cannot be opened/fsynced on some platforms; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Write all of `data` to an open descriptor (writeSync may write less than asked). */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
}

/** Atomically replace `target` with `data`. The directory must exist. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(target);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    writeAllSync(fd, bytes);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(target));
}

/** `writeFileAtomic` of pretty-printed JSON with a trailing newline. */
export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}

/** Remove leftover temp files/dirs in `dir` from processes that are no longer alive. */
export function cleanStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!isTempName(name)) continue;
    // A temp name whose writer is still alive may be in progress; anything else is debris.
    const pid = Number(/\.tmp-(\d+)-/.exec(name)?.[1]);
    if (pid === process.pid || isPidAlive(pid)) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Whether a process with this id is running (EPERM means it exists but belongs to someone else). A zombie (killed,
 * not yet reaped by its parent, as right after `kill -9` of a child whose parent is busy) is not running: on Linux
 * its state in /proc is Z or X.
 */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = procStat(pid)?.[0];
  return state !== 'Z' && state !== 'X' && state !== 'x';
}

/**
 * When the process started (Linux: clock ticks since boot, /proc/<pid>/stat field 22), undefined where unknown. With
 * the pid it names one process: a pid reused by a later process has another start time.
 */
export function processStartTime(pid: number): number | undefined {
  const start = Number(procStat(pid)?.[19]);
  return Number.isSafeInteger(start) ? start : undefined;
}

/** The fields of /proc/<pid>/stat after the command name (state first), or undefined off Linux or for no such pid. */
function procStat(pid: number): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name is in parentheses and may itself hold spaces and parentheses
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Writes a new file (it must not exist) with `data` and fsyncs it; the caller renames its directory into place. */
export function writeDurable(file: string, data: Uint8Array): void {
  const fd = fs.openSync(file, 'wx');
  try {
    writeAllSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
