import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The one error type of the data layer. Its message is written for the person running the model:
 * it names the file (or generator), where in it the problem is, and what to do about it.
 */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** `~/x` → the home directory; anything else is resolved relative to `baseDir`. */
export function resolveDataPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(baseDir, p);
}
