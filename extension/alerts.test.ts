import './test/register-vscode';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationType } from 'vscode-jsonrpc';
import { AlertForwarder } from './alerts';
import { fakeHost, liveRun } from './test/fake-host';
import type { Alert } from '../protocol/trainer';

test('alerts and layer stats go to the language server with the model file URI; a new run of the file clears them', () => {
  const host = fakeHost();
  const sent: { method: string; params: any }[] = [];
  const sink = { sendNotification: <P>(type: NotificationType<P>, params: P) => void sent.push({ method: type.method, params }) };
  const fwd = new AlertForwarder(host, () => sink);
  const alert = (step: number): Alert => ({ kind: 'grad-norm', step, layerId: 'layers[1]', value: 120, threshold: 100, severity: 'warning', message: 'gradient norm 120 > 100' });

  host.startRun(liveRun({ runId: 'a', modelFile: '/ws/m.dynaxx.yaml' }));
  host.events.alert.fire({ runId: 'a', alert: alert(10) });
  host.events.alert.fire({ runId: 'a', alert: alert(20) });
  host.events.alert.fire({ runId: 'unknown', alert: alert(1) });
  assert.equal(sent.length, 2);
  assert.equal(sent[1].method, 'dynaxx/runAlerts');
  assert.equal(sent[1].params.uri, 'file:///ws/m.dynaxx.yaml');
  assert.deepEqual(sent[1].params.alerts.map((a: Alert) => a.step), [10, 20]);

  host.events.layerStats.fire({ runId: 'a', step: 20, layers: [{ layerId: 'layers[1]', gradNorm: 1, updateNorm: 0.1, weightNorm: 3, activationMean: 0, activationVar: 1 }] });
  assert.deepEqual([sent[2].method, sent[2].params.status, sent[2].params.uri], ['dynaxx/runStats', 'running', 'file:///ws/m.dynaxx.yaml']);
  host.finish({ runId: 'a', status: 'completed' });
  assert.deepEqual([sent[3].method, sent[3].params.status], ['dynaxx/runStats', 'completed']);
  assert.equal(fwd.uriOf('a'), 'file:///ws/m.dynaxx.yaml');

  sent.length = 0;
  host.startRun(liveRun({ runId: 'b', modelFile: '/ws/other.dynaxx.yaml' }));
  assert.equal(sent.length, 0);
  host.startRun(liveRun({ runId: 'c', modelFile: '/ws/m.dynaxx.yaml' }));
  assert.deepEqual(sent.map((s) => [s.method, s.params.runId, s.params.alerts.length]), [['dynaxx/runAlerts', 'a', 0]]);
  assert.equal(fwd.uriOf('a'), undefined);
  assert.equal(fwd.uriOf('b'), 'file:///ws/other.dynaxx.yaml');
  fwd.dispose();
});
