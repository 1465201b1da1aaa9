/**
 * Test-only: makes chosen benchmark cases fail on purpose, so a test can show that the others survive.
 * `DYNAXX_BENCH_FAIL=cnn:exit,mlp:nan` (a case is `<model>` or `<model>:<batch>` in the case bench, a
 * variant name in the overhead bench). What happens:
 *   throw  the case throws (the child reports the error itself)
 *   exit   the child process exits with 3 before writing a result (a crash)
 *   hang   the child never finishes (the timeout must end it)
 *   nan    the inputs are NaN, so the real training loop sees a non-finite loss (case bench only)
 */
export type Fault = 'throw' | 'exit' | 'hang' | 'nan';

const FAULTS: Fault[] = ['throw', 'exit', 'hang', 'nan'];

/** The fault planned for a case, from `DYNAXX_BENCH_FAIL`; names are tried most specific first. */
export function faultFor(names: string[], env: NodeJS.ProcessEnv = process.env): Fault | undefined {
  const spec = env.DYNAXX_BENCH_FAIL;
  if (!spec) return undefined;
  const plan = new Map<string, Fault>();
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = item.lastIndexOf(':');
    const how = item.slice(at + 1) as Fault;
    if (at < 1 || !FAULTS.includes(how)) throw new Error(`DYNAXX_BENCH_FAIL: '${item}' is not <case>:${FAULTS.join('|')}`);
    plan.set(item.slice(0, at), how);
  }
  for (const n of names) if (plan.has(n)) return plan.get(n);
  return undefined;
}

/** Acts on the faults that do not need the case's own code (throw, exit, hang); `nan` is left to the case. */
export async function enactFault(f: Fault | undefined, what: string): Promise<void> {
  if (f === 'throw') throw new Error(`${what}: failing on purpose (DYNAXX_BENCH_FAIL)`);
  if (f === 'exit') {
    process.stderr.write(`${what}: exiting on purpose (DYNAXX_BENCH_FAIL)\n`);
    process.exit(3);
  }
  if (f === 'hang') {
    process.stderr.write(`${what}: hanging on purpose (DYNAXX_BENCH_FAIL)\n`);
    await new Promise(() => setInterval(() => undefined, 1 << 30));
  }
}
