/** The standalone report page: one HTML string, no network, a strict CSP with a fresh nonce, the data intact. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DashboardData } from '../../protocol/webview';
import { reportHtml } from './html';

const data: DashboardData = {
  runs: [{
    runId: '20250101-000000-m-0000', name: 'm </script><script>alert(1)</script> <!-- x', status: 'completed', modelFile: '/tmp/m.dynaxx.yaml',
    metrics: [{ step: 1, time: 1, split: 'train', loss: 0.5 }, { step: 2, time: 2, split: 'train', loss: Number.NaN }],
    layerStats: [{ step: 1, layers: [{ layerId: 'h', gradNorm: 1, updateNorm: 0.1, weightNorm: 2, activationMean: 0, activationVar: 1 }] }],
    alerts: [{ kind: 'other', step: 1, severity: 'warning', message: 'see https://example.com and </SCRIPT >' }],
  }],
  routing: { criterion: 'l1', target: 50, signal: 'maxProb', prunedCost: 0.5, accuracyFull: 0.9, accuracyPruned: 0.8, points: [] },
  generatedAt: '2025-01-01T00:00:00.000Z',
  standalone: true,
};
const assets = { script: 'console.log(1); const s = "</script>";', style: 'body{} .x::after{content:"</style>"}' };

test('one HTML string: no remote resources, CSP with a nonce and no eval, inline script and style with the same nonce', () => {
  const html = reportHtml(data, assets);
  assert.match(html, /^<!DOCTYPE html>/i);
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i, 'nothing loads from the network');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(csp, 'a CSP meta');
  assert.doesNotMatch(csp[1]!, /unsafe-eval|unsafe-inline|https?:/);
  assert.match(csp[1]!, /default-src 'none'/);
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp[1]!)?.[1];
  assert.ok(nonce && nonce.length >= 16);
  assert.match(csp[1]!, new RegExp(`style-src [^;]*'nonce-${escape(nonce)}'`));
  const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1]!);
  assert.ok(scripts.length >= 2);
  for (const attrs of scripts) {
    if (/type="application\/json"/.test(attrs)) continue;
    assert.match(attrs, new RegExp(`nonce="${escape(nonce)}"`), 'every executable script carries the nonce');
    assert.doesNotMatch(attrs, /\bsrc=/, 'inline');
  }
  assert.match(html, new RegExp(`<style nonce="${escape(nonce)}">body\\{\\}`));
  assert.match(html, /console\.log\(1\)/);
  assert.equal((html.match(/<\/script>/gi) ?? []).length, scripts.length, 'no string in the script or the data closes an element early');
  assert.equal((html.match(/<\/style>/gi) ?? []).length, 1);
  assert.notEqual(nonce, /script-src 'nonce-([^']+)'/.exec(reportHtml(data, assets))?.[1], 'a fresh nonce per page');
});

test('the data parses back to the same object, strings with </script> included (NaN as the string "NaN")', () => {
  const html = reportHtml(data, assets);
  const m = /<script type="application\/json" id="dashboard-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m);
  assert.ok(!m[1]!.includes('<'));
  const back = JSON.parse(m[1]!, (_k, v: unknown) => (v === 'NaN' ? Number.NaN : v)) as DashboardData;
  assert.deepEqual(back, data);
  assert.equal(back.runs[0]!.name, 'm </script><script>alert(1)</script> <!-- x');
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
