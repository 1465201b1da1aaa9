/**
 * The language server's reader for files a model names (`modelJson:`), and for model files on disk. Model files
 * come from cloned repositories, so it reads only regular files (never a device, a pipe, a socket or a kernel
 * file under /proc: `/dev/zero` never ends, `/proc/self/fd/0` is the server's own input), at most `maxBytes` of
 * them, and in Restricted Mode only inside the workspace folders. Every refusal says what to do; the caller
 * (the spec) prefixes it with "cannot read <path>: ".
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { howToRaise, specLimits, type SpecLimits } from '../spec/limits';

/** Where reads may go: everywhere (trusted), or only inside `roots` (Restricted Mode). */
export interface ReadPolicy {
  trusted: boolean;
  /** Workspace folder paths. */
  roots: string[];
}

export const TRUSTED: ReadPolicy = { trusted: true, roots: [] };

/** Kernel file systems: their files look regular but are generated (endless, or the server's own state). */
const KERNEL_DIRS = ['/proc', '/sys', '/dev'];

/**
 * The text of the regular file at `path`, or a throw whose message says why not and what to do.
 * `limit` names the spec limit that caps its size (`maxModelJsonBytes` for `modelJson:`).
 */
export function safeReadFile(path: string, policy: ReadPolicy, limit: keyof SpecLimits = 'maxModelJsonBytes', limits: SpecLimits = specLimits()): string {
  const real = realOrResolved(path);
  checkAllowed(real, policy);
  if (process.platform !== 'win32' && KERNEL_DIRS.some((d) => real === d || real.startsWith(`${d}/`))) {
    throw new Error(`it is a kernel file under ${KERNEL_DIRS.find((d) => real.startsWith(d))}, not a model.json; point modelJson at a model.json file`);
  }
  // stat before open: opening a FIFO for reading would wait for a writer
  checkRegular(statOrExplain(path), limits, limit);
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    checkRegular(fstatSync(fd), limits, limit);
    return readBounded(fd, limits[limit], limit, limits);
  } finally {
    closeSync(fd);
  }
}

/** Whether `path` lies inside one of `roots` (both resolved through symbolic links). */
export function insideRoots(path: string, roots: readonly string[]): boolean {
  const real = realOrResolved(path);
  return roots.some((root) => {
    const rel = relative(realOrResolved(root), real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
}

/** Throws when Restricted Mode forbids reading `real`. */
export function checkAllowed(real: string, policy: ReadPolicy): void {
  if (policy.trusted || insideRoots(real, policy.roots)) return;
  const where = policy.roots.length === 0 ? 'no workspace folder is open' : 'it is outside the workspace folders';
  throw new Error(`${where}, and in Restricted Mode the language server reads only files inside them; `
    + 'move the file into the workspace, or trust the workspace (Workspaces: Manage Workspace Trust) if you trust where this model came from');
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function statOrExplain(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new Error('no such file; paths are relative to the model file');
    if (code === 'EACCES' || code === 'EPERM') throw new Error('permission denied; make the file readable');
    throw e;
  }
}

function checkRegular(st: Stats, limits: SpecLimits, limit: keyof SpecLimits): void {
  if (st.isDirectory()) throw new Error('it is a folder; name the model.json file inside it');
  if (!st.isFile()) {
    const what = st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : 'not a file';
    throw new Error(`it is ${what}, not a regular file, and is never read; point modelJson at a model.json file`);
  }
  if (st.size > limits[limit]) throw tooBig(`it is ${st.size.toLocaleString('en-US')} bytes`, limit, limits);
}

function readBounded(fd: number, max: number, limit: keyof SpecLimits, limits: SpecLimits): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - total));
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > max) throw tooBig(`it has more than ${max.toLocaleString('en-US')} bytes`, limit, limits);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

function tooBig(what: string, limit: keyof SpecLimits, limits: SpecLimits): Error {
  return new Error(`${what}, over the size limit (${howToRaise(limit, limits)})`);
}

/**
 * A reader that also refuses text that is not JSON, without quoting it: JSON.parse's own message shows the
 * first bytes of the file, and a model may name any file (a key, a token) to have them shown in a hover.
 */
export function jsonOnly(read: (path: string) => string): (path: string) => string {
  return (path) => {
    const text = read(path);
    try {
      JSON.parse(text);
    } catch {
      throw new Error('it is not valid JSON (its contents are not shown); modelJson must name a Keras/tfjs model.json');
    }
    return text;
  };
}
