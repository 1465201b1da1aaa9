// The dashboard panel against the vscode stub: its HTML (CSP with a nonce, resources only from dist/webviews),
// `init` with the run's stored data, live notifications of that run forwarded (others not), reports when it
// finishes, "reveal the layer", the serializer, and the command registered because 'dashboard' has landed.
import '../test/register-vscode';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, test } from 'node:test';
import { LANDED_FEATURES, LensCommands } from '../../protocol/lsp-ext';
import type { MetricRecord, RunDashboardParams, RunSummary } from '../../protocol/trainer';
import type { DashboardData, ToWebview } from '../../protocol/webview';
import { collectDashboardData } from '../../trainer/report/collect';
import { dnaFixture } from '../../webviews/dashboard/fixture';
import { COMMANDS, registerCommands } from '../commands';
import { Config } from '../config';
import type { Ctx } from '../ctx';
import { Output } from '../output';
import { fakeHost, liveRun } from '../test/fake-host';
import { stub, Uri, window, workspace } from '../test/vscode-stub';
import { compareRuns, DashboardPanel, openDashboard, registerDashboard, type DashboardCtx } from './dashboard';

const MODEL = [
  'name: deep',
  'model:',
  '  input: [8]',
  '  layers:',
  '    - { type: dense, name: stem, units: 8 }',
  '    - type: residual',
  '      name: blocks',
  '      repeat: 3',
  '      layers:',
  '        - { type: layerNorm, name: norm }',
  '        - { type: dense, name: dense, units: 8 }',
  '    - { type: dense, units: 2 }',
  '',
].join('\n');

const metric = (step: number, split: MetricRecord['split'] = 'train', loss = 1 / step): MetricRecord => ({ step, time: 1000 + step, split, loss });
const stats = (step: number) => ({ step, layers: [{ layerId: 'stem', gradNorm: 1, updateNorm: 0.1, weightNorm: 2, activationMean: 0, activationVar: 1 }] });

/** A run directory as the trainer writes it: run.json, metrics, layer statistics, alerts. */
function writeRun(runsDir: string, id: string, modelFile: string, status = 'completed'): string {
  const dir = join(runsDir, id);
  mkdirSync(join(dir, 'reports'), { recursive: true });
  const now = new Date().toISOString();
  const meta = { id, name: 'deep', modelFile, status, backend: 'cpu', device: 'CPU', createdAt: now, updatedAt: now, step: 2, totalSteps: 10, ...(status === 'running' ? { pid: process.pid } : {}) };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(meta));
  writeFileSync(join(dir, 'metrics.jsonl'), [metric(1), metric(2), metric(2, 'validation')].map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(join(dir, 'layer-stats.jsonl'), `${JSON.stringify({ ...stats(2), time: 1 })}\n`);
  writeFileSync(join(dir, 'alerts.jsonl'), `${JSON.stringify({ kind: 'grad-norm', step: 2, layerId: 'blocks[1].dense', value: 9, threshold: 5, severity: 'warning', message: 'large gradient' })}\n`);
  return dir;
}

const PARETO = {
  version: 1, model: 'deep', split: 'test', tasks: ['t'], lr: 0.01, backend: 'cpu', groups: [], stability: {},
  dense: { flops: 100, params: 50, accuracy: [0.9], accuracyMean: 0.9, latencyMs: 1 },
  points: [{ criterion: 'l1', target: 50, seed: 1, flops: 50, params: 25, flopReduction: 0.5, accuracy: [0.85], accuracyMean: 0.85, latencyMs: 0.6, speedup: 1.6 }],
  settings: { criteria: ['l1'], targets: [50], finetuneSteps: 10, schedule: 'one-shot', scope: 'global' },
};

/** What a trainer answers to `run/dashboard` (trainer/server.ts): the run directory read by the collector. */
function trainerDashboard(p: RunDashboardParams, runsDir: string): DashboardData {
  return collectDashboardData(p.runsDir ?? runsDir, [p.runId, ...(p.compare ?? [])], { standalone: false, reportsOnly: p.reportsOnly });
}

function setup(opts: { remote?: string; runs?: RunSummary[]; answers?: Record<string, unknown> } = {}) {
  stub.reset();
  stub.settings.clear();
  DashboardPanel.current?.dispose();
  const ws = mkdtempSync(join(tmpdir(), 'dynaxx-dash-'));
  workspace.workspaceFolders = [{ uri: Uri.file(ws) }];
  workspace.isTrusted = true;
  const file = join(ws, 'deep.dynaxx.yaml');
  writeFileSync(file, MODEL);
  const runsDir = join(ws, '.dynaxx', 'runs');
  const host = fakeHost();
  const requests: Array<{ method: string; params: unknown }> = [];
  Object.assign(host, {
    remoteAddress: opts.remote,
    request: async (type: { method: string }, params: unknown) => {
      requests.push({ method: type.method, params });
      if (type.method === 'run/list') return { runs: opts.runs ?? [] };
      const answer = opts.answers?.[type.method];
      if (answer instanceof Error) throw answer;
      if (answer === undefined && type.method === 'run/dashboard') return trainerDashboard(params as RunDashboardParams, runsDir);
      return answer ?? null;
    },
  });
  const ctx = { host, config: new Config(), output: new Output(), extension: { extensionUri: Uri.file('/ext'), extensionPath: '/ext' } } as unknown as DashboardCtx;
  return { ctx, host, file, runsDir, requests };
}

const messages = (types?: ToWebview['type'][]) => (stub.panels[0]!.posted as ToWebview[]).filter((m) => !types || types.includes(m.type));
const initData = () => (messages(['init']).at(-1) as { data: DashboardData }).data;
const summary = (over: Partial<RunSummary>): RunSummary => ({ id: 'r0', name: 'deep', modelFile: '/x', status: 'completed', backend: 'cpu', device: 'CPU', createdAt: '', updatedAt: '', step: 0, totalSteps: 0, ...over });

beforeEach(() => DashboardPanel.current?.dispose());

test('the panel: one webview with scripts only from dist/webviews, a CSP with a fresh nonce and no eval', async () => {
  const { ctx, file, runsDir } = setup();
  writeRun(runsDir, 'r1', file);
  const panel = await DashboardPanel.createOrShow(ctx, 'r1');
  assert.ok(panel);
  assert.equal(stub.panels.length, 1);
  const p = stub.panels[0]!;
  assert.equal(p.viewType, 'dynaxx.dashboard');
  assert.equal(p.options.enableScripts, true);
  assert.equal(p.options.retainContextWhenHidden, false);
  assert.deepEqual((p.options.localResourceRoots as Uri[]).map((u) => u.path), ['/ext/dist/webviews']);

  const html = p.webview.html;
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(csp, 'a CSP meta tag');
  const nonce = /script-src[^;]*'nonce-([^']+)'/.exec(csp)?.[1];
  assert.ok(nonce && nonce.length >= 16, 'script-src allows a nonce');
  assert.match(csp, /default-src 'none'/);
  assert.ok(!/unsafe-eval/.test(html), 'no unsafe-eval');
  assert.ok(!/script-src[^;]*unsafe-inline/.test(csp), 'no inline scripts without the nonce');
  for (const tag of html.match(/<script\b[^>]*>/g) ?? []) assert.ok(tag.includes(`nonce="${nonce}"`), tag);
  const resources = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(resources.length >= 2);
  for (const r of resources) assert.ok(r.startsWith('https://webview.test/ext/dist/webviews/'), r);

  // one panel: showing again reveals it; a new panel gets a new nonce
  assert.equal(await DashboardPanel.createOrShow(ctx, 'r1'), panel);
  assert.equal(stub.panels.length, 1);
  assert.equal(p.revealed, 1);
  panel.dispose();
  assert.equal(DashboardPanel.current, undefined);
  await DashboardPanel.createOrShow(ctx, 'r1');
  assert.notEqual(/'nonce-([^']+)'/.exec(stub.panels[1]!.webview.html)?.[1], nonce);
});

test('on ready it posts init with the run as stored, then forwards only that run\'s live notifications', async () => {
  const { ctx, host, file, runsDir } = setup();
  writeRun(runsDir, 'r1', file, 'running');
  host.startRun(liveRun({ runId: 'r1', runDir: join(runsDir, 'r1'), modelFile: file }));
  await DashboardPanel.createOrShow(ctx);
  const p = stub.panels[0]!;
  // before the app is ready: nothing is posted, live records are kept for init (the trainer flushes its files later)
  host.events.metrics.fire({ runId: 'r1', records: [metric(3)] });
  assert.equal(p.posted.length, 0);

  await p.receive({ type: 'ready' });
  const data = initData();
  assert.equal(data.standalone, false);
  assert.equal(data.runs.length, 1);
  const run = data.runs[0]!;
  assert.equal(run.runId, 'r1');
  assert.equal(run.modelFile, file);
  assert.deepEqual(run.metrics.map((r) => [r.split, r.step]), [['train', 1], ['train', 2], ['validation', 2], ['train', 3]]);
  assert.deepEqual(run.layerStats.map((r) => r.step), [2]);
  assert.deepEqual(run.alerts.map((a) => a.layerId), ['blocks[1].dense']);

  host.events.metrics.fire({ runId: 'r1', records: [metric(3), metric(4), metric(4, 'validation')] }); // step 3 is there already
  host.events.metrics.fire({ runId: 'other', records: [metric(9)] });
  host.events.layerStats.fire({ runId: 'r1', ...stats(4) });
  host.events.layerStats.fire({ runId: 'other', ...stats(9) });
  host.events.alert.fire({ runId: 'r1', alert: { kind: 'nan', step: 4, layerId: 'stem', severity: 'error', message: 'NaN' } });
  host.events.alert.fire({ runId: 'other', alert: { kind: 'nan', step: 9, severity: 'error', message: 'NaN' } });
  const live = messages(['metrics', 'layerStats', 'alert']);
  assert.deepEqual(live.map((m) => [m.type, (m as { runId: string }).runId]), [['metrics', 'r1'], ['layerStats', 'r1'], ['alert', 'r1']]);
  assert.deepEqual((live[0] as { records: MetricRecord[] }).records.map((r) => [r.split, r.step]), [['train', 4], ['validation', 4]]);
  assert.equal((live[1] as { step: number }).step, 4);

  // the run finishes: its status, then its reports
  writeFileSync(join(runsDir, 'r1', 'reports', 'pareto.json'), JSON.stringify(PARETO));
  writeFileSync(join(runsDir, 'r1', 'reports', 'dna.json'), JSON.stringify(dnaFixture()));
  host.finish({ runId: 'other', status: 'completed' });
  host.finish({ runId: 'r1', status: 'completed' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(messages(['status']), [{ type: 'status', runId: 'r1', status: 'completed' }]);
  const reports = messages(['reports'])[0] as Pick<DashboardData, 'pareto' | 'paths'>;
  assert.equal(reports.pareto?.points.length, 1);
  assert.equal(reports.paths?.layers[0]?.layerId, 'dna', 'the routing paths of reports/dna.json');

  // hidden and shown again: the app reloads and gets everything in a fresh init
  p.setVisible(false);
  const posted = p.posted.length;
  host.events.metrics.fire({ runId: 'r1', records: [metric(5)] });
  assert.equal(p.posted.length, posted);
  p.setVisible(true);
  await p.receive({ type: 'ready' });
  assert.deepEqual(initData().runs[0]!.metrics.map((r) => [r.split, r.step]),
    [['train', 1], ['train', 2], ['validation', 2], ['train', 3], ['train', 4], ['validation', 4], ['train', 5]]);
});

test('a new run of the file shown takes over the panel; the live run\'s notifications follow it', async () => {
  const { ctx, host, file, runsDir } = setup();
  writeRun(runsDir, 'r1', file);
  await DashboardPanel.createOrShow(ctx, 'r1');
  const p = stub.panels[0]!;
  await p.receive({ type: 'ready' });
  writeRun(runsDir, 'r2', file, 'running');
  host.startRun(liveRun({ runId: 'r2', runDir: join(runsDir, 'r2'), modelFile: file }));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(DashboardPanel.current?.shownRunId, 'r2');
  assert.equal(initData().runs[0]!.runId, 'r2');
  host.events.metrics.fire({ runId: 'r1', records: [metric(7)] });
  host.events.metrics.fire({ runId: 'r2', records: [metric(7)] });
  assert.deepEqual(messages(['metrics']).map((m) => (m as { runId: string }).runId), ['r2']);
});

test('revealLayer opens the model file with the cursor on the layer\'s line', async () => {
  const { ctx, file, runsDir } = setup();
  writeRun(runsDir, 'r1', file);
  await DashboardPanel.createOrShow(ctx, 'r1');
  const p = stub.panels[0]!;
  await p.receive({ type: 'ready' });
  const lines = MODEL.split('\n');
  const lineOf = (s: string) => lines.findIndex((l) => l.includes(s));
  for (const [layerId, expected] of [
    ['blocks[1].dense', lineOf('name: dense')],
    ['blocks[0].norm', lineOf('name: norm')],
    ['blocks[2]', lineOf('type: residual')],
    ['stem', lineOf('name: stem')],
    ['layers[2]', lineOf('units: 2')],
  ] as const) {
    stub.shown = [];
    await p.receive({ type: 'revealLayer', runId: 'r1', layerId });
    assert.equal(stub.shown.length, 1, layerId);
    assert.equal(stub.shown[0]!.uri.fsPath, file);
    assert.equal(stub.shown[0]!.selection!.start.line, expected, layerId);
  }
  // the language server's outline, when it answers, gives the range
  const { commands } = await import('../test/vscode-stub');
  const execute = commands.executeCommand;
  const at = (line: number) => ({ start: { line, character: 4 }, end: { line, character: 30 } });
  commands.executeCommand = (async (id: string) => id === 'vscode.executeDocumentSymbolProvider'
    ? [{ name: 'model', range: at(1), children: [{ name: 'layers', range: at(3), children: [
      { name: 'stem', range: at(4) },
      { name: 'blocks[0..2]', range: at(5), children: [{ name: 'blocks[k].norm', range: at(9) }, { name: 'blocks[k].dense', range: at(10) }] },
      { name: 'layers[2]', range: at(11) },
    ] }] }]
    : undefined) as typeof execute;
  try {
    stub.shown = [];
    await p.receive({ type: 'revealLayer', runId: 'r1', layerId: 'blocks[2].dense' });
    assert.equal(stub.shown[0]!.selection!.start.line, 10);
  } finally {
    commands.executeCommand = execute;
  }
  // a layer the file no longer has: the file opens at the top, with a word why
  stub.shown = [];
  await p.receive({ type: 'revealLayer', runId: 'r1', layerId: 'gone' });
  assert.equal(stub.shown[0]!.selection!.start.line, 0);
  assert.match(stub.messages.at(-1)!.message, /gone is not in deep\.dynaxx\.yaml/);
});

test('exportPruned shows the exported folder with Reveal; error goes to the output', async () => {
  const { ctx, file, runsDir } = setup();
  const dir = writeRun(runsDir, 'r1', file);
  mkdirSync(join(dir, 'export', 'pruned', 'l1-50-s1'), { recursive: true });
  await DashboardPanel.createOrShow(ctx, 'r1');
  const p = stub.panels[0]!;
  await p.receive({ type: 'ready' });
  stub.respond = (m) => (m.items.includes('Reveal') ? 'Reveal' : undefined);
  await p.receive({ type: 'exportPruned', runId: 'r1', criterion: 'l1', target: 50, seed: 1 });
  const reveal = stub.executed.find((e) => e.command === 'revealFileInOS');
  assert.equal((reveal?.args[0] as Uri).fsPath, join(dir, 'export', 'pruned', 'l1-50-s1'));
  await p.receive({ type: 'error', message: 'chart failed' });
  assert.ok(stub.output.some((l) => /\[error\] dashboard: chart failed/.test(l)));
  assert.ok(stub.outputShown > 0);
});

test('exportSubnetwork sends modularity/extract with that subnetwork', async () => {
  const { ctx, file, runsDir, requests } = setup({ answers: { 'modularity/extract': { dir: '/out/sub', params: 10, flops: 20, accuracy: [0.9], fullParams: 40, fullFlops: 80 } } });
  writeRun(runsDir, 'r1', file);
  await DashboardPanel.createOrShow(ctx, 'r1');
  await stub.panels[0]!.receive({ type: 'exportSubnetwork', runId: 'r1', subnetwork: 2 });
  const req = requests.find((r) => r.method === 'modularity/extract');
  assert.deepEqual(req?.params, { runId: 'r1', runsDir, subnetworks: [2] });
  assert.match(stub.messages.at(-1)!.message, /Subnetwork 2 exported: 10 parameters \(25\.0% of 40\)/);
});

test('a remote trainer: init is what its run/dashboard reads on its machine (no runsDir sent), then live notifications', async () => {
  const serverRuns = mkdtempSync(join(tmpdir(), 'dynaxx-server-runs-'));
  const dir = writeRun(serverRuns, 'r9', '/srv/m.dynaxx.yaml', 'running');
  writeFileSync(join(dir, 'reports', 'pareto.json'), JSON.stringify(PARETO));
  writeFileSync(join(dir, 'reports', 'dna.json'), JSON.stringify(dnaFixture()));
  const { ctx, host, requests } = setup({ remote: 'gpu:7070' });
  Object.assign(host, {
    request: async (type: { method: string }, params: unknown) => {
      requests.push({ method: type.method, params });
      return type.method === 'run/dashboard' ? trainerDashboard(params as RunDashboardParams, serverRuns) : null;
    },
  });
  await DashboardPanel.createOrShow(ctx, 'r9');
  const p = stub.panels[0]!;
  host.events.metrics.fire({ runId: 'r9', records: [metric(3)] });
  await p.receive({ type: 'ready' });
  const data = initData();
  assert.equal(data.standalone, false);
  assert.equal(data.runs[0]!.name, 'deep');
  assert.equal(data.runs[0]!.modelFile, '/srv/m.dynaxx.yaml');
  assert.deepEqual(data.runs[0]!.metrics.map((r) => r.step), [1, 2, 2, 3], 'stored on the server, then what arrived live');
  assert.deepEqual(data.runs[0]!.alerts.map((a) => a.layerId), ['blocks[1].dense']);
  assert.equal(data.pareto?.points.length, 1);
  assert.equal(data.subnetworks, undefined);
  assert.equal(data.paths?.layers[0]?.hops, 8, 'reports/dna.json fills the routing paths');
  assert.deepEqual(requests.map((r) => r.method), ['run/dashboard']);
  assert.equal((requests[0]!.params as RunDashboardParams).runsDir, undefined);
  host.events.metrics.fire({ runId: 'r9', records: [metric(4)] });
  assert.equal(messages(['metrics']).length, 1);
  // the run finishes: its reports alone
  host.finish({ runId: 'r9', status: 'completed' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(requests.at(-1), { method: 'run/dashboard', params: { runId: 'r9', runsDir: undefined, reportsOnly: true } });
  assert.equal((messages(['reports'])[0] as Pick<DashboardData, 'pareto'>).pareto?.points.length, 1);
});

test('a trainer that cannot read the run: the run\'s name and status from run/list, what arrived live, a warning in the output', async () => {
  const { ctx, host } = setup({
    remote: 'gpu:7070',
    runs: [summary({ id: 'r9', name: 'remote-run', modelFile: '/srv/m.dynaxx.yaml', status: 'running' })],
    answers: { 'run/dashboard': new Error('run r9: run.json is damaged') },
  });
  await DashboardPanel.createOrShow(ctx, 'r9');
  const p = stub.panels[0]!;
  host.events.metrics.fire({ runId: 'r9', records: [metric(1)] });
  await p.receive({ type: 'ready' });
  const data = initData();
  assert.equal(data.runs[0]!.name, 'remote-run');
  assert.equal(data.runs[0]!.modelFile, '/srv/m.dynaxx.yaml');
  assert.deepEqual(data.runs[0]!.metrics.map((r) => r.step), [1]);
  assert.ok(stub.output.some((l) => /dashboard: reading run r9: run r9: run\.json is damaged/.test(l)));
});

test('the serializer revives a panel with the run the app saved in its state', async () => {
  const { ctx, file, runsDir } = setup();
  writeRun(runsDir, 'r1', file);
  const reg = registerDashboard(ctx);
  const serializer = stub.serializers.get('dynaxx.dashboard');
  assert.ok(serializer);
  const { webviewPanel } = await import('../test/vscode-stub');
  const restored = webviewPanel('dynaxx.dashboard', 'Dashboard: deep');
  await serializer.deserializeWebviewPanel(restored, { tab: 'training', logScale: false, smoothing: 0, stabilityMetric: 'gradNorm', runId: 'r1' });
  assert.equal(restored.webview.options.enableScripts, true);
  assert.deepEqual((restored.webview.options.localResourceRoots as Uri[]).map((u) => u.path), ['/ext/dist/webviews']);
  assert.match(restored.webview.html, /Content-Security-Policy/);
  await restored.receive({ type: 'ready' });
  assert.equal(initData().runs[0]!.runId, 'r1');
  reg.dispose();
  assert.ok(restored.disposed);
  assert.equal(stub.serializers.size, 0);
});

test('Open dashboard of a file: its live run, else its latest run, else an offer to train it', async () => {
  const { ctx, host, file, runsDir } = setup({ runs: [summary({ id: 'r-other', modelFile: '/elsewhere.dynaxx.yaml' }), summary({ id: 'r-old', modelFile: '' })] });
  writeRun(runsDir, 'r-new', file);
  const arg = { uri: Uri.file(file).toString() };
  stub.respond = (m) => (m.items.includes('Train') ? 'Train' : undefined);
  assert.equal(await openDashboard(ctx, arg), undefined);
  assert.deepEqual(stub.executed.at(-1), { command: 'dynaxx.train', args: [arg] });

  Object.assign(host, { request: async () => ({ runs: [summary({ id: 'r-new', modelFile: file }), summary({ id: 'r-old', modelFile: file })] }) });
  assert.equal((await openDashboard(ctx, arg))?.shownRunId, 'r-new');
  host.startRun(liveRun({ runId: 'r-live', modelFile: file }));
  assert.equal((await openDashboard(ctx, Uri.file(file) as never))?.shownRunId, 'r-live');
  // from the runs view: that run
  assert.equal((await openDashboard(ctx, summary({ id: 'r-old', modelFile: file })))?.shownRunId, 'r-old');
  assert.equal(stub.panels.length, 1);
});

test('the dashboard feature has landed: its command is registered with the lens command id', () => {
  assert.ok(LANDED_FEATURES.includes('dashboard'));
  assert.equal(LensCommands.openDashboard, 'dynaxx.openDashboard');
  assert.equal(COMMANDS[LensCommands.openDashboard]?.feature, 'dashboard');
  const { ctx } = setup();
  registerCommands(ctx as unknown as Ctx);
  assert.ok(stub.registered.includes('dynaxx.openDashboard'));
  const expected = Object.entries(COMMANDS).filter(([, f]) => !f.feature || LANDED_FEATURES.includes(f.feature)).map(([id]) => id);
  assert.deepEqual(stub.registered, expected);
});

test('Compare runs: the picked runs are overlaid, the first one is the main run', async () => {
  const { ctx, file, runsDir } = setup({ runs: [summary({ id: 'r1', modelFile: '' }), summary({ id: 'r2', modelFile: '' })] });
  writeRun(runsDir, 'r1', file, 'completed');
  writeRun(runsDir, 'r2', file, 'completed');
  const quick = (window as unknown as { showQuickPick: (items: Array<{ id: string }>) => Promise<unknown> });
  const original = quick.showQuickPick;
  quick.showQuickPick = async (items) => [items[1], items[0]];
  try {
    await compareRuns(ctx);
  } finally {
    quick.showQuickPick = original;
  }
  const p = stub.panels[0]!;
  await p.receive({ type: 'ready' });
  assert.deepEqual(initData().runs.map((r) => r.runId), ['r2', 'r1']);
});

test('Compare runs with a remote trainer: run/dashboard gets the other runs, its machine reads them', async () => {
  const { ctx, requests } = setup({ remote: 'gpu:7070', runs: [summary({ id: 'r1' }), summary({ id: 'r2' })], answers: { 'run/dashboard': { runs: [], generatedAt: '', standalone: false } } });
  const quick = (window as unknown as { showQuickPick: (items: Array<{ id: string }>) => Promise<unknown> });
  const original = quick.showQuickPick;
  quick.showQuickPick = async (items) => [items[1], items[0]];
  try {
    await compareRuns(ctx);
  } finally {
    quick.showQuickPick = original;
  }
  await stub.panels[0]!.receive({ type: 'ready' });
  assert.deepEqual(requests.filter((r) => r.method === 'run/dashboard').at(-1)?.params, { runId: 'r2', runsDir: undefined, compare: ['r1'] });
});
