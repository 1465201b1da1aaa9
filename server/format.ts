/** Numbers and shapes as hovers and messages show them. */
import type { Shape } from '../spec';

export function fmtShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

/** An exact count with separators, and a short form for large ones: `401,920 (402K)`. */
export function fmtCount(n: number): string {
  const exact = n.toLocaleString('en-US');
  if (n < 10_000) return exact;
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];
  const [div, suffix] = units.find(([d]) => n >= d)!;
  return `${exact} (${Number((n / div).toPrecision(3))}${suffix})`;
}

/** A measured value: `310`, `0.0123`, `5.2e3`, `1.5e-5`. */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1000 || a < 1e-3)) return v.toExponential(1).replace('e+', 'e').replace('.0e', 'e');
  return String(Number(v.toPrecision(3)));
}
