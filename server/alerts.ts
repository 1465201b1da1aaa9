/**
 * Run alerts (`dynaxx/runAlerts`) as diagnostics. The extension sends, per model file and run, the run's
 * current alerts; each one with a `layerId` lands on that layer's line in the current parse of the file
 * (the last good model while the file has errors), with the value, threshold and step in the message.
 * An alert whose layer no longer exists is dropped; one without a layer sits on `train:` (or line 1).
 *
 * One diagnostic per cause: an alert the trainer grouped (one rule, one step, many layers: `others`) is one
 * diagnostic on its first layer, "… and N more layers", with `relatedInformation` pointing at each other layer
 * and its value. Ungrouped alerts of one kind and step on several layers (alerts.jsonl before 2026-12-05, an
 * older trainer) are grouped here the same way, on the layer that comes first in the file.
 */
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation, type Range } from 'vscode-languageserver';
import { moreLayers, type Alert, type AlertKind } from '../protocol/trainer';
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
      for (const alert of groupByStep(alerts, doc)) {
        const d = groupDiagnostic(alert, runId, doc);
        if (d) out.push(d);
      }
    }
    return out;
  }
}

/**
 * Alerts on layers without `others` (one per layer, as trainers wrote them before grouping) merged per (kind,
 * step, rule), first layer in the file first; grouped alerts and alerts without a layer pass as they are. A legacy
 * alert names no rule, but within a kind the rules differ in having a threshold (a gradient norm over 100× the
 * median) or not (no gradient at all), so two causes at one step stay two diagnostics, as the trainer groups them.
 */
export function groupByStep(alerts: readonly Alert[], doc: ParsedDocument): Alert[] {
  const out: Alert[] = [];
  const legacy = new Map<string, Alert[]>();
  for (const a of alerts) {
    if (a.layerId === undefined || a.others !== undefined) out.push(a);
    else {
      const key = legacyKey(a);
      if (!legacy.has(key)) out.push(a); // its place in the list; replaced by the group below
      legacy.set(key, [...(legacy.get(key) ?? []), a]);
    }
  }
  return out.map((a) => {
    const members = a.layerId !== undefined && a.others === undefined ? legacy.get(legacyKey(a))! : undefined;
    if (!members || members.length === 1) return a;
    const line = (x: Alert) => layerRange(x.layerId!, doc)?.start.line ?? Infinity;
    const [first, ...rest] = [...members].sort((x, y) => line(x) - line(y));
    return { ...first!, others: rest.map((x) => ({ layerId: x.layerId!, ...(x.value !== undefined ? { value: x.value } : {}) })) };
  });
}

function legacyKey(a: Alert): string {
  return `${a.kind}\u0000${a.step}\u0000${a.threshold !== undefined}`;
}

/** One alert (grouped or not) as one diagnostic on its first layer that still exists, the others as related information. */
function groupDiagnostic(alert: Alert, runId: string, doc: ParsedDocument): Diagnostic | undefined {
  if (alert.layerId === undefined) return alertDiagnostic(alert, runId, trainKeyRange(doc));
  const layers = [{ layerId: alert.layerId, value: alert.value }, ...(alert.others ?? [])]
    .map((l) => ({ ...l, range: layerRange(l.layerId, doc) }))
    .filter((l): l is typeof l & { range: Range } => l.range !== undefined);
  if (layers.length === 0) return undefined;
  const [first, ...rest] = layers;
  // the first layer is gone (the file changed since the run): the next one carries the diagnostic
  const shown: Alert = first!.layerId === alert.layerId ? { ...alert, others: rest.map(({ layerId, value }) => ({ layerId, value })) }
    : { ...alert, layerId: first!.layerId, value: first!.value, others: rest.map(({ layerId, value }) => ({ layerId, value })) };
  const d = alertDiagnostic(shown, runId, first!.range);
  if (rest.length > 0) {
    d.relatedInformation = rest.map((l): DiagnosticRelatedInformation => ({
      location: { uri: doc.textDocument.uri, range: l.range },
      message: `${LABELS[alert.kind] ?? alert.kind}${valueText(l.value)} on ${l.layerId} at step ${alert.step}`,
    }));
  }
  return d;
}

function layerRange(layerId: string, doc: ParsedDocument): Range | undefined {
  const node = doc.model ? findLayer(doc.model, layerId) : undefined;
  return node ? firstLine(toLspRange(node.range), doc.textDocument) : undefined;
}

function trainKeyRange(doc: ParsedDocument): Range {
  const root = doc.yaml().doc.contents;
  const pair = isMap(root) ? root.items.find((p) => keyOf(p) === 'train') : undefined;
  const r = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
  if (r) return offsetRange(doc.textDocument, r[0], r[1]);
  return { start: { line: 0, character: 0 }, end: { line: 0, character: lineLength(doc.textDocument, 0) } };
}

/**
 * `gradient norm 5.2e3 at step 120 (threshold 310) on blocks[3].dense: <trainer's message> [run …]`; a grouped
 * alert says `on blocks[3].dense and 4 more layers (…)`.
 */
export function alertMessage(alert: Alert, runId: string): string {
  const value = valueText(alert.value);
  const threshold = alert.threshold !== undefined ? ` (threshold ${fmtValue(alert.threshold)})` : '';
  const layer = alert.layerId !== undefined ? ` on ${alert.layerId}${moreLayers(alert)}` : '';
  return `${LABELS[alert.kind] ?? alert.kind}${value} at step ${alert.step}${threshold}${layer}: ${alert.message} [run ${runId}]`;
}

/** ` 5.2e3`; a value alerts.jsonl wrote as a string ("NaN") as it is; '' for none (JSON-RPC sends NaN as null). */
function valueText(v: number | string | null | undefined): string {
  return typeof v === 'number' ? ` ${fmtValue(v)}` : typeof v === 'string' ? ` ${v}` : '';
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
