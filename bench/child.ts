/**
 * One measurement in a child process, bounded in time: a case that crashes, hangs or prints garbage fails alone.
 * The child writes its result as JSON to a file the parent names (stdout stays free for Dawn's and tfjs's notices);
 * its stderr is passed through live, and its last lines are kept as the reason when it fails.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ChildRun {
  /** Exit code, or undefined when a signal ended it. */
  code?: number;
  signal?: string;
  timedOut: boolean;
  seconds: number;
  stdout: string;
  /** The last lines of stderr (for failure reasons). */
  stderrTail: string;
}

export interface ChildOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Pass the child's stderr through to ours (default true). */
  echo?: boolean;
}

const TAIL = 4000;

/** Runs a command; on timeout it is sent SIGTERM, then SIGKILL 5 s later. Never rejects. */
export function runChild(command: string, args: string[], o: ChildOptions): Promise<ChildRun> {
  const t0 = performance.now();
  return new Promise((resolveRun) => {
    let stdout = '';
    let tail = '';
    let timedOut = false;
    const child = spawn(command, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < 1 << 24) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (o.echo !== false) process.stderr.write(d);
      tail = (tail + d.toString()).slice(-TAIL);
    });
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, o.timeoutMs);
    const done = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      resolveRun({
        code: code ?? undefined, signal: signal ?? undefined, timedOut,
        seconds: (performance.now() - t0) / 1000, stdout, stderrTail: error ? `${tail}\n${error.message}` : tail,
      });
    };
    child.on('error', (e) => done(127, null, e));
    child.on('close', (code, signal) => done(code, signal));
  });
}

/** Why a child failed, in one line: the timeout, the signal or exit code, and its last meaningful stderr line. */
export function failureReason(r: ChildRun, what: string, timeoutMs: number): string {
  const last = lastLine(r.stderrTail);
  if (r.timedOut) return `${what} timed out after ${Math.round(timeoutMs / 1000)} s${last ? ` (last: ${last})` : ''}`;
  const how = r.signal ? `was killed by ${r.signal}` : `exited with ${r.code}`;
  return `${what} ${how}${last ? `: ${last}` : ''}`;
}

/** The last stderr line that is not a Dawn limits notice or a stack frame. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^at |^Warning: max|^\^|^Node\.js v/.test(l));
  const line = lines[lines.length - 1] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** A fresh folder for result files; removed by the caller with `rmSync(dir, { recursive: true })`. */
export function resultDir(): string {
  return mkdtempSync(join(tmpdir(), 'dynaxx-bench-'));
}

/** Reads a result file a child wrote; undefined when it is absent or not JSON. */
export function readResult<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Child side: writes the result atomically (a killed child leaves no half-written file). */
export function writeResult(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(value));
  renameSync(`${file}.tmp`, file);
}

/**
 * A mode's results file, rewritten atomically after every measurement: when an outer `timeout` ends the whole
 * benchmark, what was measured until then is on disk.
 */
export function saveReport(file: string, report: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The last line of `stdout` that parses as a JSON object (the CLI's `--json` summary after any notices). */
export function lastJsonLine<T>(stdout: string): T | undefined {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]) as T;
    } catch {
      /* a notice that starts with a brace */
    }
  }
  return undefined;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** This script again (bundle or tsx) with other arguments: `[execPath, [...execArgv, script, ...args]]`. */
export function selfCommand(args: string[]): [string, string[]] {
  return [process.execPath, [...process.execArgv, process.argv[1], ...args]];
}
