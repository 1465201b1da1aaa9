/** Number formatting for labels and tooltips. */

const SI = [
  { v: 1e12, s: 'T' }, { v: 1e9, s: 'G' }, { v: 1e6, s: 'M' }, { v: 1e3, s: 'k' },
];

/** 3 significant digits with an SI suffix for large numbers: 12.3k, 4.56M. */
export function si(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  for (const { v, s } of SI) if (a >= v) return `${trim((x / v).toPrecision(3))}${s}`;
  return num(x);
}

/** A compact number: 3 significant digits, exponent form for very small or large ones. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
  if (a >= 1000) return String(Math.round(x));
  return trim(x.toPrecision(3));
}

export function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–';
}

/** A signed percentage-point change: −3.2 pp. */
export function pp(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const v = x * 100;
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)} pp`;
}

function trim(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}
