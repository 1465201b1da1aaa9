#!/usr/bin/env node
// Builds the dashboard for the browser, writes standalone pages with the fixture's data, opens them in headless
// Chromium and checks: no console errors, no page errors, no CSP violations; each tab is screenshot in the light and
// dark themes (`<view>-<theme>.png` in --out); controls change what is drawn; clicks post the right messages in a
// (simulated) webview and show the layer in a standalone page; the 1000-layer stress benchmark's frame times are
// printed, and with --results FILE stored (BENCHMARKS.md's dashboard table: bench/tables/dashboard-stress.ts). Usage:
//   node webviews/check-dashboard.mjs [--out /tmp/dash] [--stress-ms 8000] [--no-stress] [--results FILE] [--report run-report.html ...]
// Needs playwright-core (looked up in ~/.cache/dynaxx-e2e, or PLAYWRIGHT_CORE=path) and Chromium (/usr/bin/chromium,
// or CHROMIUM=path).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, homedir, hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const out = arg('--out', '/tmp/dash');
const stressMs = Number(arg('--stress-ms', '8000'));
mkdirSync(out, { recursive: true });

// 1. bundles: the page (as scripts/bundle.mjs builds it), the stress benchmark, and a node module for the HTML + data
const browser = { bundle: true, platform: 'browser', format: 'iife', target: 'es2020', minify: true, logLevel: 'warning' };
await esbuild.build({ ...browser, entryPoints: [join(root, 'webviews/dashboard/main.ts')], outfile: join(out, 'dashboard.js') });
await esbuild.build({ ...browser, entryPoints: [join(root, 'webviews/dashboard/stress.ts')], outfile: join(out, 'stress.js') });
await esbuild.build({ bundle: true, platform: 'node', format: 'esm', entryPoints: [join(root, 'webviews/dashboard/index.ts')], outfile: join(out, 'gen.mjs'), logLevel: 'warning' });
const { dashboardHtml, dashboardFixture, makeNonce } = await import(`${pathToFileURL(join(out, 'gen.mjs')).href}?t=${Date.now()}`);
const script = readFileSync(join(out, 'dashboard.js'), 'utf8');
const style = readFileSync(join(root, 'webviews/dashboard/dashboard.css'), 'utf8');
const stress = readFileSync(join(out, 'stress.js'), 'utf8');
for (const banned of ['new Function', 'eval(']) if (script.includes(banned)) console.log(`note: bundle contains "${banned}"`);
const page = (name, opts) => {
  writeFileSync(join(out, name), dashboardHtml({ nonce: makeNonce(), ...opts }));
  return pathToFileURL(join(out, name)).href;
};
const reportUrl = page('index.html', { inline: { script, style }, dataJson: JSON.stringify(dashboardFixture(true)), title: 'Dynaxx report' });
const webviewUrl = page('webview.html', { inline: { script, style } });
const stressUrl = page('stress.html', { inline: { script: `${script}\n;${stress}`, style } });
console.log(`pages: ${reportUrl} (${Math.round(script.length / 1024)} KiB script)`);

// 2. Chromium
const require = createRequire(import.meta.url);
const pwPath = process.env.PLAYWRIGHT_CORE ?? join(homedir(), '.cache/dynaxx-e2e/node_modules/playwright-core');
const { chromium } = require(pwPath);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath} (set CHROMIUM)`);
const chrome = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });

const THEMES = {
  light: {
    cls: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px', '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171',
      '--vscode-editor-background': '#ffffff', '--vscode-panel-border': '#e5e5e5', '--vscode-focusBorder': '#005fb8', '--vscode-textLink-foreground': '#005fb8',
      '--vscode-errorForeground': '#e51400', '--vscode-editorWarning-foreground': '#bf8803', '--vscode-editorWidget-background': '#f8f8f8',
      '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-list-activeSelectionBackground': '#e4e6f1', '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b',
      '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90',
      '--vscode-charts-red': '#e51400', '--vscode-charts-yellow': '#bf8803', '--vscode-charts-lines': '#3b3b3b', '--vscode-panel-background': '#f8f8f8',
      '--vscode-settings-dropdownBackground': '#ffffff', '--vscode-settings-dropdownForeground': '#3b3b3b', '--vscode-settings-dropdownBorder': '#cecece',
      '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-settings-headerBorder': '#e5e5e5',
      '--vscode-panelTitle-activeForeground': '#3b3b3b', '--vscode-panelTitle-inactiveForeground': '#717171', '--vscode-panelTitle-activeBorder': '#005fb8',
    },
  },
  dark: {
    cls: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px', '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-editor-background': '#1f1f1f', '--vscode-panel-border': '#2b2b2b', '--vscode-focusBorder': '#0078d4', '--vscode-textLink-foreground': '#4daafc',
      '--vscode-errorForeground': '#f85149', '--vscode-editorWarning-foreground': '#cca700', '--vscode-editorWidget-background': '#202020',
      '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8',
      '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-red': '#f14c4c', '--vscode-charts-yellow': '#cca700', '--vscode-charts-lines': '#cccccc', '--vscode-panel-background': '#181818',
      '--vscode-settings-dropdownBackground': '#313131', '--vscode-settings-dropdownForeground': '#cccccc', '--vscode-settings-dropdownBorder': '#3c3c3c',
      '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc', '--vscode-settings-headerBorder': '#2b2b2b',
      '--vscode-panelTitle-activeForeground': '#e7e7e7', '--vscode-panelTitle-inactiveForeground': '#9d9d9d', '--vscode-panelTitle-activeBorder': '#0078d4',
    },
  },
};

const problems = [];
/** A page that records console errors, page errors and CSP violations; `theme` set before the page's script runs. */
async function open(url, theme, { webview = false, width = 1400, height = 900 } = {}) {
  const p = await chrome.newPage({ viewport: { width, height } });
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${url.split('/').pop()} ${theme}: console.${m.type()}: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`${url.split('/').pop()} ${theme}: pageerror: ${e.message}`));
  await p.addInitScript(({ t, webview }) => {
    if (webview) {
      window.__posted = [];
      let state;
      window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => state, setState: (s) => (state = s) });
    }
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
    // as VS Code does: variables on <html>, the theme's class on <body> before the page's script runs
    const apply = () => {
      if (document.documentElement && !document.documentElement.style.getPropertyValue('--vscode-foreground')) {
        for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
      }
      if (document.body && !document.body.classList.contains(t.cls)) document.body.classList.add(t.cls);
    };
    new MutationObserver(apply).observe(document, { childList: true, subtree: true });
  }, { t: THEMES[theme], webview });
  await p.goto(url);
  await p.waitForTimeout(400);
  return p;
}

// 3. screenshots of every tab, both themes
for (const theme of Object.keys(THEMES)) {
  const p = await open(reportUrl, theme);
  const tabs = await p.$$eval('vscode-tab-header', (hs) => hs.map((h) => h.dataset.view));
  for (const view of tabs) {
    await p.click(`vscode-tab-header[data-view="${view}"]`);
    await p.waitForTimeout(500);
    await p.screenshot({ path: join(out, `${view}-${theme}.png`), fullPage: true });
  }
  console.log(`${theme}: tabs ${tabs.join(', ')}`);
  if (theme === 'light') {
    // controls: log scale, the history slider, another run and statistic; then a reload keeps the state
    await p.click('vscode-tab-header[data-view="training"]');
    await p.click('.training vscode-checkbox');
    await p.waitForTimeout(200);
    await p.screenshot({ path: join(out, 'training-log-light.png'), fullPage: true });
    await p.click('vscode-tab-header[data-view="subnetworks"]');
    await p.$eval('.history-slider', (e) => { e.value = '3'; e.dispatchEvent(new Event('input')); });
    await p.waitForTimeout(200);
    await p.screenshot({ path: join(out, 'subnetworks-history-light.png'), fullPage: true });
    await p.click('vscode-tab-header[data-view="stability"]');
    await p.$eval('.run-select vscode-single-select', (e) => { e.value = 'run-20261120-stable'; e.dispatchEvent(new Event('change')); });
    await p.waitForTimeout(200);
    await p.$eval('.stability vscode-single-select', (e) => { e.value = 'spectralNorm'; e.dispatchEvent(new Event('change')); });
    await p.waitForTimeout(200);
    await p.screenshot({ path: join(out, 'stability-spectral-light.png'), fullPage: true });
    await p.reload();
    await p.waitForTimeout(400);
    const restored = await p.evaluate(() => ({
      tab: document.querySelector('vscode-tabs').selectedIndex,
      log: document.querySelector('.training vscode-checkbox').checked,
      metric: document.querySelector('.stability vscode-single-select').value,
    }));
    console.log(`after reload: ${JSON.stringify(restored)} (expected tab 2 (stability), log true, metric spectralNorm only if the first run has it: gradNorm)`);
    // sweep: a click on the metric's header sorts the points table by it (failed and diverged points, without one, last)
    await p.click('vscode-tab-header[data-view="sweep"]');
    await p.waitForSelector('.sweep-points th', { timeout: 10000 });
    const rowsBefore = await p.$$eval('.sweep-points tbody tr', (trs) => trs.length);
    await p.$$eval('.sweep-points th', (ths) => ths.find((h) => h.textContent.startsWith('valAccuracy')).click());
    await p.$$eval('.sweep-points th', (ths) => ths.find((h) => h.textContent.startsWith('valAccuracy')).click());
    const metricAt = await p.$$eval('.sweep-points th', (ths) => ths.findIndex((h) => h.textContent.startsWith('valAccuracy')));
    const sorted = await p.$$eval('.sweep-points tbody tr', (trs, i) => trs.map((tr) => tr.children[i].textContent), metricAt);
    const values = sorted.map(Number).filter((v) => Number.isFinite(v));
    if (values.length < 10) problems.push(`sweep: the metric column reads ${sorted.join(', ')}`);
    if (sorted.length !== rowsBefore || values.some((v, i) => i > 0 && v > values[i - 1])) problems.push(`sweep: the points table does not sort by the metric, descending: ${sorted.join(', ')}`);
    if (Number.isFinite(Number(sorted.at(-1)))) problems.push('sweep: points without a metric do not sort last');
    const front = await p.$$eval('.sweep canvas', (cs) => cs.filter((c) => c.width > 0).length);
    if (front < 3) problems.push(`sweep: ${front} charts drawn, expected lr, stabilize and the Pareto front`);
    await p.screenshot({ path: join(out, 'sweep-sorted-light.png'), fullPage: true });
    // routing paths: another labelling lists its groups
    await p.click('vscode-tab-header[data-view="paths"]');
    // the view renders on the next animation frame after its tab is shown: wait for it, not a fixed time
    await p.waitForSelector('.groups-by vscode-single-select', { timeout: 10000 });
    await p.$eval('.groups-by vscode-single-select', (e) => { e.value = 'position'; e.dispatchEvent(new Event('change')); });
    await p.waitForTimeout(200);
    await p.waitForFunction(() => document.querySelector('.groups-table tbody td')?.textContent === '(0,0)', null, { timeout: 5000 }).catch(() => undefined);
    const firstGroup = await p.textContent('.groups-table tbody td');
    if (firstGroup !== '(0,0)') problems.push(`paths: the groups by position start with "${firstGroup}", not "(0,0)"`);
    await p.screenshot({ path: join(out, 'paths-position-light.png'), fullPage: true });
  }
  if (theme === 'dark') {
    // standalone: a click on an alert's layer shows the layer instead of revealing it
    await p.click('vscode-tab-header[data-view="stability"]');
    await p.waitForTimeout(200);
    await p.click('.alert button.link');
    const notice = await p.textContent('.notice');
    console.log(`standalone click on an alert: "${notice}"`);
    // hover on the heatmap shows a tooltip
    const box = await p.$eval('.heatmap canvas', (c) => { const r = c.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
    await p.mouse.move(box.x + box.w * 0.8, box.y + 16 + 35 * 13 + 5);
    await p.waitForTimeout(100);
    await p.screenshot({ path: join(out, 'stability-hover-dark.png') });
    console.log(`heatmap tooltip: "${await p.textContent('.heatmap .tooltip')}"`);
    // theme switch at run time
    await p.evaluate(({ light }) => {
      for (const [k, v] of Object.entries(light.vars)) document.documentElement.style.setProperty(k, v);
      document.body.classList.replace('vscode-dark', 'vscode-light');
    }, { light: THEMES.light });
    await p.waitForTimeout(300);
    await p.screenshot({ path: join(out, 'stability-switched-to-light.png'), fullPage: true });
  }
  await p.close();
}

// 4. a (simulated) webview: data by message, clicks post FromWebview messages, state kept
{
  const p = await open(webviewUrl, 'dark', { webview: true });
  await p.evaluate((data) => window.postMessage({ type: 'init', data }, '*'), dashboardFixture(false));
  await p.waitForTimeout(400);
  await p.click('vscode-tab-header[data-view="stability"]');
  await p.waitForTimeout(300);
  const box = await p.$eval('.heatmap canvas', (c) => { const r = c.getBoundingClientRect(); return { x: r.x, y: r.y }; });
  await p.mouse.click(box.x + 300, box.y + 16 + 2 * 13 + 5);
  await p.click('vscode-tab-header[data-view="subnetworks"]');
  await p.waitForTimeout(300);
  await p.click('.data-table vscode-button');
  const posted = await p.evaluate(() => window.__posted);
  console.log(`webview posted: ${JSON.stringify(posted.map((m) => ({ ...m })))}`);
  await p.close();
}

// 4b. real runs: every `--report FILE` (HTML written by `dynaxx report`) renders each of its tabs in both themes
const reports = process.argv.flatMap((v, i) => (process.argv[i - 1] === '--report' ? [v] : []));
for (const file of reports) {
  for (const theme of Object.keys(THEMES)) {
    const p = await open(pathToFileURL(resolve(file)).href, theme);
    const tabs = await p.$$eval('vscode-tab-header', (hs) => hs.map((h) => h.dataset.view));
    if (tabs.length === 0) problems.push(`${file}: no view rendered`);
    for (const view of tabs) {
      await p.click(`vscode-tab-header[data-view="${view}"]`);
      await p.waitForTimeout(400);
      const drawn = await p.$$eval('canvas', (cs) => cs.filter((c) => c.width > 0 && c.height > 0 && c.offsetParent !== null).length);
      if (drawn === 0 && view !== 'subnetworks') problems.push(`${file} ${theme}: the ${view} view drew no canvas`);
      await p.screenshot({ path: join(out, `report-${basename(file, '.html')}-${view}-${theme}.png`), fullPage: true });
    }
    console.log(`report ${file} (${theme}): tabs ${tabs.join(', ')}`);
    await p.close();
  }
}

// 5. the stress benchmark: 1000 layers at 10 updates/s
if (!process.argv.includes('--no-stress')) {
  const p = await open(stressUrl, 'dark', { webview: true });
  const r = await p.evaluate((ms) => window.dynaxxStress({ durationMs: ms }), stressMs);
  await p.screenshot({ path: join(out, 'stress-dark.png') });
  const { deltas, ...summary } = r;
  void deltas;
  console.log(`stress: ${JSON.stringify(summary)}`);
  const results = arg('--results');
  if (results) {
    const browserVersion = chrome.version();
    const doc = { date: new Date().toISOString().slice(0, 10), machine: { host: hostname(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version }, browser: browserVersion, durationMs: stressMs, summary };
    mkdirSync(dirname(resolve(results)), { recursive: true });
    writeFileSync(results, `${JSON.stringify(doc, null, 1)}\n`);
    console.log(`results: ${results}`);
  }
  await p.close();
}

await chrome.close();
if (problems.length > 0) {
  console.log(`PROBLEMS (${problems.length}):\n${[...new Set(problems)].join('\n')}`);
  process.exitCode = 1;
} else {
  console.log('no console errors, page errors or CSP violations');
}
