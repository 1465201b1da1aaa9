/**
 * The standalone report page: the dashboard's bundle and the data inlined into one HTML file that opens from
 * disk with no network. The CSP allows only the inline script and style carrying a fresh nonce (no eval, no
 * remote resources). The data sits in `<script type="application/json" id="dashboard-data">`, with every '<'
 * written as `\u003c` so no string in it can close the element; non-finite numbers (a diverged loss) are the
 * strings "NaN", "Infinity", "-Infinity", as in the run's jsonl files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DashboardData } from '../../protocol/webview';
import { UserError } from '../errors';
import { dashboardHtml } from '../../webviews/dashboard/html';

export interface ReportAssets {
  script: string;
  style: string;
}

export function reportHtml(data: DashboardData, assets: ReportAssets): string {
  const nonce = randomBytes(16).toString('base64');
  return dashboardHtml({
    scriptUri: '', styleUri: '', nonce, cspSource: '', dataJson: dashboardJson(data),
    inline: { script: inlineScript(assets.script), style: inlineStyle(assets.style) },
  });
}

/** JSON safe inside a script element: no '<' at all (JSON has it only inside strings, where `\u003c` reads the same). */
export function dashboardJson(data: DashboardData): string {
  return JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)).replace(/</g, '\\u003c');
}

/** A script's text inside `<script>`: `</script` and `<!--` (in strings, regexes or comments) cannot end or bend the element. */
function inlineScript(js: string): string {
  return js.replace(/<(\/script|!--)/gi, '\\x3C$1');
}

/** A style sheet's text inside `<style>`: `</style` cannot end the element (`\3C ` is '<' in CSS strings). */
function inlineStyle(css: string): string {
  return css.replace(/<\/style/gi, '\\3C /style');
}

/** The dashboard bundle (`npm run build` writes it to `dist/webviews/`). */
export function loadAssets(distDir?: string): ReportAssets {
  const dirs = distDir ? [resolve(distDir)] : defaultDistDirs();
  const dir = dirs.find((d) => existsSync(join(d, 'webviews', 'dashboard.js'))) ?? dirs[0]!;
  const js = join(dir, 'webviews', 'dashboard.js');
  const css = join(dir, 'webviews', 'dashboard.css');
  const missing = [js, css].filter((f) => !existsSync(f));
  if (missing.length > 0) throw new UserError(`dynaxx report: the dashboard bundle is missing (${missing.join(', ')}); run \`npm run build\` first`);
  return { script: readFileSync(js, 'utf8'), style: readFileSync(css, 'utf8') };
}

/** dist/ beside the bundled CLI (dist/cli.js), or the repository's dist/ from the sources (tsx) or out/. */
function defaultDistDirs(): string[] {
  if (basename(__dirname) === 'dist') return [__dirname];
  return [join(__dirname, '..', '..', 'dist'), join(__dirname, '..', '..', '..', 'dist')];
}
