/**
 * How the CLI ends on an error, so that no JavaScript stack reaches a user: errors the user can fix (a bad model
 * file, flag, path or run id) print their message and exit 2; anything else prints one line saying it is an
 * internal error and how to see the details (DYNAXX_DEBUG=1 prints the stack), and exits 1.
 */
import { SpecError } from '../../spec/types';
import { BackendError } from '../backend/backends';
import { DataError } from '../data/errors';
import { UserError } from '../errors';
import { printable } from './progress';
import { quoteValue } from '../../spec/limits';

/** A command line that does not make sense: printed with the usage text. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** File-system failures a user can fix, in words. */
const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many symbolic links (a loop?)',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  EEXIST: 'already exists (a file where a directory is needed?)',
};

export const DEBUG_HINT = '(internal error; rerun with DYNAXX_DEBUG=1 for details)';

/** Writes the error to stderr (a UsageError with `usage` after it) and returns the exit code. */
export function reportError(e: unknown, usage = '', write: (text: string) => void = (t) => process.stderr.write(t)): number {
  if (e instanceof UsageError) {
    write(`dynaxx: ${printable(e.message)}\n${usage ? `\n${usage}` : ''}`);
    return 2;
  }
  if (e instanceof SpecError || e instanceof DataError || e instanceof BackendError || e instanceof UserError) {
    write(`${printable(e.message)}\n`);
    return 2;
  }
  const err = e as NodeJS.ErrnoException | undefined;
  const fs = typeof err?.code === 'string' ? FS_ERRORS[err.code] : undefined;
  if (fs !== undefined) {
    // a rename (atomic writes) fails on its destination: name that, not the temporary file
    const where = (err as { dest?: string }).dest ?? err!.path ?? err!.message ?? '';
    write(`dynaxx: ${printable(quoteValue(where, 300))}: ${fs}\n`);
    return 2;
  }
  write(internalError(e));
  return 1;
}

/** `dynaxx: <message>` and the hint; the stack as well when DYNAXX_DEBUG=1. */
export function internalError(e: unknown, env: Record<string, string | undefined> = process.env): string {
  const message = e instanceof Error ? e.message : String(e);
  const debug = env.DYNAXX_DEBUG === '1' && e instanceof Error && e.stack ? `${printable(e.stack)}\n` : '';
  return `dynaxx: ${printable(quoteValue(message.split('\n')[0] ?? '', 300))}\n${DEBUG_HINT}\n${debug}`;
}
