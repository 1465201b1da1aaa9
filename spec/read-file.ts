/**
 * Reading files a model names (`modelJson:`, the model file itself) without hanging or blowing up: only regular
 * files (no devices, FIFOs, sockets, nothing under /proc, /sys or /dev), at most `maxBytes`, read through one
 * descriptor that is checked again after opening. Errors are ReadFileError with a message that says what to do.
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync, constants } from 'node:fs';

export class ReadFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadFileError';
  }
}

const SPECIAL = /^\/(proc|sys|dev)(\/|$)/;

/** `limitHint`: how to raise the limit, e.g. "set DYNAXX_MAX_MODEL_BYTES to raise it". */
export function readTextFileBounded(path: string, maxBytes: number, limitHint = ''): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    throw new ReadFileError(describeFsError(e, path));
  }
  if (process.platform !== 'win32' && SPECIAL.test(real)) {
    throw new ReadFileError(`${path} is a system file (${real}), not a model file; point to a regular file`);
  }
  const kind = fileKind(real);
  if (kind !== 'file') throw new ReadFileError(`${path} is ${kind}, not a regular file; point to a regular file`);
  // O_NONBLOCK: a FIFO swapped in after the check cannot block the open
  const fd = openSync(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ReadFileError(`${path} is not a regular file; point to a regular file`);
    if (st.size > maxBytes) throw new ReadFileError(tooBig(path, st.size, maxBytes, limitHint));
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw new ReadFileError(tooBig(path, n, maxBytes, limitHint));
      if (n === buf.length) break;
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function fileKind(path: string): string {
  const st = statSync(path);
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function tooBig(path: string, size: number, max: number, hint: string): string {
  return `${path} is larger than ${mb(max)} (at least ${mb(size)}); ${hint || 'use a smaller file'}`;
}

export function mb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function describeFsError(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${path} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return `${path} cannot be read (permission denied)`;
  if (code === 'ELOOP') return `${path} is a symbolic link loop`;
  return `${path} cannot be read (${code ?? (e as Error).message})`;
}
