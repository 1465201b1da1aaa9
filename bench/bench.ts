/**
 * Benchmarks of the training loop, beside PyTorch on the same machine in the same invocation:
 *   node dist/bench.js [options]              samples/s, TFLOP/s and host cost per step of the reference models
 *                                             (models.ts) on each backend, one child process per case (cases.ts)
 *   node dist/bench.js --e2e fashion-mlp      `dynaxx train` end to end per backend vs PyTorch (e2e.ts)
 *   node dist/bench.js --overhead             step time with and without each technique (overhead.ts)
 *   node dist/bench.js --profile              kernel time by name per training step on wasm (profile.ts)
 *   node dist/bench.js --summarize DIR        the one table of a GPU check (gpu-check.sh, check-table.ts)
 * Child processes write their result to the file named by --result (see child.ts).
 *
 * Options: --help. How to run it on the GPU machine: bench/gpu-run.md. Results: BENCHMARKS.md.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { describeAuto } from '../trainer/backend/backends';
import { runCases, measureOneCase } from './cases';
import { writeResult } from './child';
import { summarize } from './check-table';
import { runE2e } from './e2e';
import { HELP, parseOptions, type BenchOptions } from './options';
import { measureVariant, runOverhead } from './overhead';
import { profileOneCase, runProfile } from './profile';

/** bench/results/<host>-<what>-<date>.json when bench/ is there (a checkout), else the working directory. */
function defaultOut(what: string): string {
  const name = `${hostname().replace(/[^\w.-]/g, '_')}-${what || 'none'}-${new Date().toISOString().slice(0, 10)}.json`;
  const benchDir = resolve(__dirname, '..', 'bench');
  return existsSync(benchDir) ? join(benchDir, 'results', name) : join(process.cwd(), name);
}

/** Child mode: one case or one overhead variant; the outcome (or the error) goes to the --result file. */
async function child(o: BenchOptions): Promise<void> {
  // tfjs and Dawn print notices with console.log: keep them off stdout, which a caller may read
  console.log = console.error;
  if (o.case && o.profile) return void writeResult(o.result!, await profileOneCase(o.backend!, o.case, o));
  if (o.case) return void writeResult(o.result!, await measureOneCase(o.backend!, o.case, o));
  try {
    writeResult(o.result!, { result: await measureVariant(o.backend!, o.variant!, o) });
  } catch (e) {
    writeResult(o.result!, { error: (e as Error).message });
    process.stderr.write(`overhead ${o.variant}: failed: ${(e as Error).message}\n`);
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o.help) return void console.log(HELP);
  if (o.case || o.variant) return child(o);
  if (o.summarize) return void process.stdout.write(summarize(o.summarize));
  if (o.e2e) return runE2e(o, defaultOut);
  if (o.profile) return runProfile(o);
  if (o.overhead) return runOverhead(o, o.backends ?? [(await describeAuto()).backend], defaultOut);
  return runCases(o, (backends) => defaultOut(backends.join('+')));
}

main().then(
  () => process.exit(0), // Dawn keeps handles open: exit explicitly
  (e) => {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exit(e instanceof Error && /option|needs|unknown/.test(e.message) ? 2 : 1);
  },
);
