/** Shared helpers for the data tests: a scratch folder per test file. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DataSpec } from '../../spec/types';

export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dynaxx-${prefix}-`));
}

export function dataSpec(over: Partial<DataSpec>): DataSpec {
  return { source: 'synthetic', validation: 0.1, normalize: 'auto', limit: 0, ...over };
}
