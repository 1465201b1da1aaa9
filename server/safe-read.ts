/**
 * The language server's reader for files a model names (`modelJson:`) and for model files on disk. Model files
 * come from cloned repositories, so on top of the spec's bounded reader (regular files only, never /dev, /proc
 * or a pipe, at most the size limit) it reads, in Restricted Mode, only inside the workspace folders, and it
 * never lets a file that is not JSON be quoted. Every refusal says what to do; the spec prefixes it with
 * "cannot read <path>: ".
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { readTextFileBounded } from '../spec';
import { howToRaise, specLimits, type SpecLimits } from '../spec/limits';

/** Where reads may go: everywhere (trusted), or only inside `roots` (Restricted Mode). */
export interface ReadPolicy {
  trusted: boolean;
  /** Workspace folder paths. */
  roots: string[];
}

export const TRUSTED: ReadPolicy = { trusted: true, roots: [] };

/**
 * The text of the regular file at `path`, or a throw whose message says why not and what to do.
 * `limit` names the spec limit that caps its size (`maxModelJsonBytes` for `modelJson:`).
 */
export function safeReadFile(path: string, policy: ReadPolicy, limit: keyof SpecLimits = 'maxModelJsonBytes', limits: SpecLimits = specLimits()): string {
  checkAllowed(path, policy);
  return readTextFileBounded(path, limits[limit], howToRaise(limit, limits));
}

/** Whether `path` lies inside one of `roots` (both resolved through symbolic links). */
export function insideRoots(path: string, roots: readonly string[]): boolean {
  const real = realOrResolved(path);
  return roots.some((root) => {
    const rel = relative(realOrResolved(root), real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
}

/** Throws when Restricted Mode forbids reading `path`. */
export function checkAllowed(path: string, policy: ReadPolicy): void {
  if (policy.trusted || insideRoots(path, policy.roots)) return;
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
