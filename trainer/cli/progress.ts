/** Terminal output for the CLI: a progress bar (step, loss, samples/s, ETA) and tables. */
import { quoteValue } from '../../spec/limits';

/**
 * Text as the terminal may show it: every line's control and text-direction characters (NUL, ESC, U+202E) escaped
 * as `\u202e`, line breaks kept. Names, ids, paths and messages that carry them pass through here before printing.
 */
export function printable(text: string): string {
  return text.split('\n').map((line) => quoteValue(line, Infinity)).join('\n');
}

export class ProgressBar {
  private readonly start = Date.now();
  private startStep = -1;
  private last = 0;
  private loss = NaN;
  private rate = NaN;
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {
    this.tty = !!out.isTTY;
  }

  metrics(loss: number | undefined, samplesPerSec: number | undefined): void {
    if (loss !== undefined) this.loss = loss;
    if (samplesPerSec !== undefined) this.rate = samplesPerSec;
  }

  update(step: number, total: number, force = false): void {
    if (this.quiet) return;
    if (this.startStep < 0) this.startStep = step;
    const now = Date.now();
    // a TTY redraws 10 times a second; logs get a line every 5 seconds
    if (!force && now - this.last < (this.tty ? 100 : 5000)) return;
    this.last = now;
    const frac = total > 0 ? step / total : 0;
    const done = step - this.startStep;
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? ((total - step) * elapsed) / done : NaN;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const parts = [
      `${bar} ${(frac * 100).toFixed(1).padStart(5)}%`,
      `step ${step}/${total}`,
      `loss ${Number.isFinite(this.loss) ? this.loss.toFixed(4) : '-'}`,
      `${Number.isFinite(this.rate) ? Math.round(this.rate) : '-'} samples/s`,
      `ETA ${formatDuration(eta)}`,
    ];
    const line = parts.join('  ');
    if (this.tty) this.out.write(`\r${line}\x1b[K`);
    else this.out.write(`${line}\n`);
  }

  done(): void {
    if (!this.quiet && this.tty) this.out.write('\n');
  }
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Renders rows as an aligned text table (numbers right-aligned). */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : printable(c).replace(/\n/g, ' '))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) {
    const a = Math.abs(n);
    if (a >= 1e12) return n.toExponential(2); // absurd sizes (check refuses them) stay readable
    return a >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : a >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : String(n);
  }
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  if (Math.abs(n) >= 1) return n.toFixed(3);
  return n.toFixed(4);
}
