/**
 * Colors and fonts from VS Code's theme: the webview's CSS variables (`--vscode-*`), re-read when the theme changes
 * (VS Code swaps the body's `vscode-light` / `vscode-dark` / `vscode-high-contrast` class and the variables with it).
 * Canvas drawing (chart.js, cytoscape, the heatmap) cannot use CSS variables directly, hence this snapshot.
 */

export interface Theme {
  dark: boolean;
  foreground: string;
  muted: string;
  background: string;
  border: string;
  grid: string;
  focus: string;
  error: string;
  warning: string;
  fontFamily: string;
  fontSize: number;
  /** Series colors: VS Code's chart palette first. */
  palette: string[];
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

export function readTheme(): Theme {
  const body = document.body;
  const vscodeKind = /\bvscode-(light|dark|high-contrast)\b/.test(body.className);
  // a standalone report follows the system's preference (dashboard.css does the same)
  const dark = vscodeKind
    ? body.classList.contains('vscode-dark') || (body.classList.contains('vscode-high-contrast') && !body.classList.contains('vscode-high-contrast-light'))
    : window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;
  const s = getComputedStyle(body);
  const foreground = cssVar(s, '--vscode-foreground', dark ? '#cccccc' : '#3b3b3b');
  const palette = [
    cssVar(s, '--vscode-charts-blue', dark ? '#3794ff' : '#1a85ff'),
    cssVar(s, '--vscode-charts-orange', dark ? '#d18616' : '#d18616'),
    cssVar(s, '--vscode-charts-green', dark ? '#89d185' : '#388a34'),
    cssVar(s, '--vscode-charts-purple', dark ? '#b180d7' : '#652d90'),
    cssVar(s, '--vscode-charts-red', dark ? '#f14c4c' : '#e51400'),
    cssVar(s, '--vscode-charts-yellow', dark ? '#cca700' : '#bf8803'),
    dark ? '#4ec9b0' : '#16825d',
    dark ? '#ce9178' : '#a31515',
    dark ? '#9cdcfe' : '#0451a5',
    dark ? '#c586c0' : '#af00db',
  ];
  return {
    dark,
    foreground,
    muted: cssVar(s, '--vscode-descriptionForeground', withAlpha(foreground, 0.7)),
    background: cssVar(s, '--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    border: cssVar(s, '--vscode-panel-border', dark ? '#80808059' : '#80808059'),
    grid: withAlpha(cssVar(s, '--vscode-charts-lines', foreground), 0.15),
    focus: cssVar(s, '--vscode-focusBorder', '#007fd4'),
    error: cssVar(s, '--vscode-errorForeground', cssVar(s, '--vscode-charts-red', '#f14c4c')),
    warning: cssVar(s, '--vscode-editorWarning-foreground', cssVar(s, '--vscode-charts-yellow', '#cca700')),
    fontFamily: cssVar(s, '--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.parseFloat(cssVar(s, '--vscode-font-size', '13')) || 13,
    palette,
  };
}

/** `color` at opacity `alpha` (hex `#rgb`/`#rrggbb(aa)` and `rgb()`/`rgba()`; other forms are returned unchanged). */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(c);
  if (m) return rgba(m[1].split('').map((h) => parseInt(h + h, 16)), alpha);
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(c);
  if (m) return rgba([0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)), alpha);
  m = /^rgba?\(([^)]+)\)$/i.exec(c);
  if (m) return rgba(m[1].split(/[\s,/]+/).slice(0, 3).map(Number), alpha);
  return c;
}

function rgba(rgb: number[], alpha: number): string {
  return `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}

/** Calls `onChange` with the new theme whenever VS Code changes it (the body's class or style). */
export function watchTheme(onChange: (theme: Theme) => void): () => void {
  let last = JSON.stringify(readTheme());
  const check = () => {
    const theme = readTheme();
    const key = JSON.stringify(theme);
    if (key === last) return;
    last = key;
    onChange(theme);
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  const media = window.matchMedia?.('(prefers-color-scheme: dark)');
  media?.addEventListener('change', check);
  return () => {
    observer.disconnect();
    media?.removeEventListener('change', check);
  };
}

/** Viridis (perceptually uniform, legible on light and dark backgrounds), as 256 packed RGBA entries. */
export const VIRIDIS: Uint32Array = (() => {
  const stops = [
    [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
  ];
  const lut = new Uint32Array(256);
  const bytes = new Uint8Array(lut.buffer);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) bytes[i * 4 + c] = Math.round(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f);
    bytes[i * 4 + 3] = 255;
  }
  return lut;
})();

/** CSS color of a viridis entry (0…1). */
export function viridisCss(t: number): string {
  const i = Math.max(0, Math.min(255, Math.round(t * 255)));
  const b = new Uint8Array(VIRIDIS.buffer, i * 4, 4);
  return `rgb(${b[0]}, ${b[1]}, ${b[2]})`;
}
