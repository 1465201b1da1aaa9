/**
 * The hostile-input corpus (test/fuzz/corpus/ plus files generated at test time that are too big or too special to
 * store: a 50 MB file, a FIFO, a 40 MB model.json, a model.json of 150,000 layers) and what each must give:
 * `expected.json` maps every file to its outcome. Add a file and its expectation with every bug found.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CORPUS = join(__dirname, 'corpus');

export interface Expectation {
  /** `dynaxx check` exit code: 0 (accepted) or 2 (a user error). */
  exit: 0 | 2;
  /** line:col of the first error (exit 2), as printed `file:line:col: error: …`. */
  at?: string;
  /** A regular expression the first error message must match. */
  message?: string;
  /** The error comes from `check`'s resource estimate for the backend, not the file's rules: the language server accepts it. */
  checkOnly?: boolean;
  /** Why the file is here (the bug it found). */
  why: string;
}

export function expectations(): Record<string, Expectation> {
  return JSON.parse(readFileSync(join(__dirname, 'expected.json'), 'utf8')) as Record<string, Expectation>;
}

/** Files generated into a fresh folder: name -> path. */
export function generated(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'dynaxx-fuzz-'));
  const write = (name: string, text: string | Buffer): string => { writeFileSync(join(dir, name), text); return join(dir, name); };
  write('big.model.json', `{"pad": "${'x'.repeat(40 * 1024 * 1024)}"}`);
  execFileSync('mkfifo', [join(dir, 'fifo.json')]);
  const layers = Array.from({ length: 150_000 }, (_, i) => `{"class_name":"Dense","config":{"name":"d${i}","units":2}}`);
  write('many-layers.model.json', `{"modelTopology":{"class_name":"Sequential","config":{"layers":[${layers.join(',')}]}}}`);
  write('deep.model.json', `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
  return {
    'generated-50mb.dynaxx.yaml': write('generated-50mb.dynaxx.yaml', `model:\n  input: [4]\n  layers:\n${'    - { type: dense, units: 4 }\n'.repeat(1_700_000)}`),
    'generated-modeljson-fifo.dynaxx.yaml': write('generated-modeljson-fifo.dynaxx.yaml', 'model:\n  modelJson: fifo.json\n'),
    'generated-modeljson-40mb.dynaxx.yaml': write('generated-modeljson-40mb.dynaxx.yaml', 'model:\n  modelJson: big.model.json\n'),
    'generated-modeljson-150k-layers.dynaxx.yaml': write('generated-modeljson-million-layers.dynaxx.yaml', 'model:\n  input: [4]\n  modelJson: many-layers.model.json\n'),
    'generated-modeljson-deep.dynaxx.yaml': write('generated-modeljson-deep.dynaxx.yaml', 'model:\n  modelJson: deep.model.json\n'),
  };
}

/** Every corpus file, stored and generated: name -> path. */
export function corpusFiles(): Record<string, string> {
  const stored = Object.fromEntries(readdirSync(CORPUS).sort().map((n) => [n, join(CORPUS, n)]));
  return { ...stored, ...generated() };
}
