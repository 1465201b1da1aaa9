/**
 * Run alerts (`dynaxx/runAlerts`) as diagnostics. The extension sends, per model file and run, the run's
 * current alerts; each one with a `layerId` lands on that layer's line in the current parse of the file
 * (the last good model while the file has errors), with the value, threshold and step in the message.
 * An alert whose layer no longer exists is dropped; one without a layer sits on `train:` (or line 1).
 */
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import type { Alert, AlertKind } from '../protocol/trainer';
import type { RunAlertsParams } from '../protocol/lsp-ext';
import { findLayer } from '../spec';
import { normalizeUri, type ParsedDocument } from './documents';
import { fmtValue } from './format';
import { firstLine, lineLength, offsetRange, toLspRange } from './positions';
import { keyOf } from './yaml-ast';
import { isMap } from 'yaml';

export const ALERT_SOURCE = 'dynaxx run';

/** What a run-alert diagnostic carries in `Diagnostic.data`, for its quick fixes. */
export interface AlertDiagnosticData {
  kind: 'run-alert';
  runId: string;
  alertKind: AlertKind;
  layerId?: string;
}

const LABELS: Record<AlertKind, string> = {
  'nan': 'NaN',
  'inf': 'Inf',
  'divergence': 'divergence',
  'loss-spike': 'loss spike',
  'grad-norm': 'gradient norm',
  'activation-variance': 'activation variance',
  'update-norm': 'update norm',
  'spectral-norm': 'spectral norm',
  'subnetwork-count': 'subnetwork count',
  'subnetwork-collapse': 'subnetwork collapse',
  'routing-drops': 'routing drops',
  'routing-collapse': 'router collapse',
  'other': 'alert',
};

export class RunAlerts {
  /** normalized uri -> runId -> alerts */
  private readonly byUri = new Map<string, Map<string, Alert[]>>();

  /** Replaces a run's alerts (an empty list clears them). */
  set(params: RunAlertsParams): void {
    const key = normalizeUri(params.uri);
    const runs = this.byUri.get(key) ?? new Map<string, Alert[]>();
    if (params.alerts.length === 0) runs.delete(params.runId);
    else runs.set(params.runId, params.alerts);
    if (runs.size === 0) this.byUri.delete(key);
    else this.byUri.set(key, runs);
  }

  has(uri: string): boolean {
    return this.byUri.has(normalizeUri(uri));
  }

  diagnostics(uri: string, doc: ParsedDocument | undefined): Diagnostic[] {
    const runs = this.byUri.get(normalizeUri(uri));
    if (!runs || !doc) return [];
    const out: Diagnostic[] = [];
    for (const [runId, alerts] of runs) {
      for (const alert of alerts) {
        const range = alertRange(alert, doc);
        if (range) out.push(alertDiagnostic(alert, runId, range));
      }
    }
    return out;
  }
}

function alertRange(alert: Alert, doc: ParsedDocument): Range | undefined {
  if (alert.layerId === undefined) return trainKeyRange(doc);
  const node = doc.model ? findLayer(doc.model, alert.layerId) : undefined;
  return node ? firstLine(toLspRange(node.range), doc.textDocument) : undefined;
}

function trainKeyRange(doc: ParsedDocument): Range {
  const root = doc.yaml().doc.contents;
  const pair = isMap(root) ? root.items.find((p) => keyOf(p) === 'train') : undefined;
  const r = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
  if (r) return offsetRange(doc.textDocument, r[0], r[1]);
  return { start: { line: 0, character: 0 }, end: { line: 0, character: lineLength(doc.textDocument, 0) } };
}

/** `gradient norm 5.2e3 at step 120 (threshold 310) on blocks[3].dense: <trainer's message> [run …]` */
export function alertMessage(alert: Alert, runId: string): string {
  const value = alert.value !== undefined ? ` ${fmtValue(alert.value)}` : '';
  const threshold = alert.threshold !== undefined ? ` (threshold ${fmtValue(alert.threshold)})` : '';
  const layer = alert.layerId !== undefined ? ` on ${alert.layerId}` : '';
  return `${LABELS[alert.kind] ?? alert.kind}${value} at step ${alert.step}${threshold}${layer}: ${alert.message} [run ${runId}]`;
}

export function alertDiagnostic(alert: Alert, runId: string, range: Range): Diagnostic {
  const data: AlertDiagnosticData = { kind: 'run-alert', runId, alertKind: alert.kind, ...(alert.layerId !== undefined ? { layerId: alert.layerId } : {}) };
  return {
    range,
    severity: alert.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: ALERT_SOURCE,
    code: alert.kind,
    message: alertMessage(alert, runId),
    data,
  };
}
