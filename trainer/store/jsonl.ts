/**
 * Append-only JSON-lines files that survive a kill: records are buffered and written as whole
 * lines with one `writeSync` + `fsync`, at most `flushIntervalMs` after they were appended (0 =
 * immediately). Readers skip a torn final line, and the next appender trims it before appending,
 * so a partial line never ends up in the middle of the file.
 *
 * Non-finite numbers (a diverged loss) are stored as the strings "NaN", "Infinity", "-Infinity"
 * (JSON has no such numbers) and turned back into numbers by `readJsonl`.
 */
import * as fs from 'node:fs';
import { writeAllSync } from './atomic';

const open = new Set<JsonlAppender>();
let exitHookInstalled = false;

/** Flush every open appender on normal process exit (a SIGKILL loses at most one interval). */
function trackForExit(a: JsonlAppender): void {
  open.add(a);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const x of open) {
      try {
        x.flush();
      } catch {
        // Nothing useful to do while exiting.
      }
    }
  });
}

export class JsonlAppender {
  private fd: number | undefined;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = Date.now();

  constructor(readonly file: string, private readonly flushIntervalMs: number) {}

  append(record: object): void {
    this.pending.push(JSON.stringify(record, encodeNonFinite) + '\n');
    trackForExit(this);
    // Check the clock here too: a synchronous training loop can starve the timer.
    if (this.flushIntervalMs <= 0 || Date.now() - this.lastFlush >= this.flushIntervalMs) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Write buffered lines and fsync. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = Date.now();
    if (this.pending.length === 0) return;
    if (this.fd === undefined) this.fd = openForAppend(this.file);
    writeAllSync(this.fd, Buffer.from(this.pending.join(''), 'utf8'));
    this.pending = [];
    fs.fsyncSync(this.fd);
  }

  /** Flush and release the file (it is reopened on the next append). */
  close(): void {
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    open.delete(this);
  }
}

/** Open for appending, first cutting off a torn last line left by a killed writer. */
function openForAppend(file: string): number {
  const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'a+');
  try {
    const size = fs.fstatSync(fd).size;
    const keep = size === 0 ? 0 : endOfLastLine(fd, size);
    if (keep !== size) {
      fs.ftruncateSync(fd, keep);
      fs.fsyncSync(fd);
    }
  } finally {
    fs.closeSync(fd);
  }
  return fs.openSync(file, 'a');
}

/** Offset just past the last '\n' (0 if there is none). */
function endOfLastLine(fd: number, size: number): number {
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = fs.readSync(fd, chunk, 0, end - start, start);
    const i = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (i >= 0) return start + i + 1;
    end = start;
  }
  return 0;
}

/**
 * Parse a JSON-lines file (missing file = no records). A line that does not parse, or that is not a JSON object
 * (`null`, a number, a list: a damaged or hand-edited file), is skipped: normally only the last one can be torn, by
 * a writer killed mid-write.
 */
export function readJsonl<T>(file: string): T[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line, decodeNonFinite);
    } catch {
      continue; // torn or damaged line
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.push(value as T);
  }
  return out;
}

/** Serialize records as JSON lines (the same encoding `JsonlAppender` uses). */
export function toJsonl(records: object[]): string {
  return records.map((r) => JSON.stringify(r, encodeNonFinite) + '\n').join('');
}

function encodeNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function decodeNonFinite(_key: string, value: unknown): unknown {
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return value;
}
