/**
 * Quick fixes. A spec diagnostic with a did-you-mean is fixed by the suggestion. A run alert about
 * instability (gradient or update norm, loss spike, NaN/Inf, activation variance) is offered edits to the
 * training settings. Fixes that belong to a feature are offered only once that feature is in
 * LANDED_FEATURES; a later feature adds its fix as one entry of ALERT_FIXES.
 */
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import { LANDED_FEATURES, type Feature } from '../protocol/lsp-ext';
import type { AlertKind } from '../protocol/trainer';
import type { AlertDiagnosticData } from './alerts';
import type { SpecDiagnosticData } from './diagnostics';
import type { ParsedDocument } from './documents';
import { nodeAtPath, valueAt } from './yaml-ast';
import { setValueEdit } from './yaml-edit';
import { isScalar } from 'yaml';

/** A quick fix for run alerts: which alert kinds it addresses, the feature it needs, and the action. */
export interface AlertFix {
  feature?: Feature;
  kinds: readonly AlertKind[];
  /** The action for this document, or undefined when it does not apply (already set, cannot edit). */
  build(doc: ParsedDocument, diagnostic: Diagnostic, data: AlertDiagnosticData): CodeAction | undefined;
}

const UNSTABLE: readonly AlertKind[] = ['grad-norm', 'loss-spike', 'nan', 'inf', 'divergence', 'activation-variance', 'update-norm', 'spectral-norm'];
const DEFAULT_LR = 0.001;

export const ALERT_FIXES: readonly AlertFix[] = [
  { kinds: UNSTABLE, build: lowerLearningRate },
  { kinds: UNSTABLE, build: enableClipping },
  { feature: 'stabilize', kinds: UNSTABLE, build: enableStabilization },
];

export function codeActions(doc: ParsedDocument, diagnostics: readonly Diagnostic[], landed: readonly Feature[] = LANDED_FEATURES): CodeAction[] {
  const out: CodeAction[] = [];
  // one "lower the learning rate" for several alerts, listing every diagnostic it addresses
  const add = (a: CodeAction | undefined): void => {
    if (!a) return;
    const prior = out.find((p) => p.title === a.title);
    if (prior) prior.diagnostics = [...(prior.diagnostics ?? []), ...(a.diagnostics ?? [])];
    else out.push(a);
  };
  for (const d of diagnostics) {
    const data = d.data as SpecDiagnosticData | AlertDiagnosticData | undefined;
    if (data?.kind === 'spec' && data.suggestion !== undefined && (d.code === 'unknown-key' || d.code === 'unknown-value')) {
      out.push({
        title: `Change to '${data.suggestion}'`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [doc.uri]: [{ range: d.range, newText: data.suggestion }] } },
      });
    } else if (data?.kind === 'run-alert') {
      for (const fix of ALERT_FIXES) {
        if (fix.feature !== undefined && !landed.includes(fix.feature)) continue;
        if (fix.kinds.includes(data.alertKind)) add(fix.build(doc, d, data));
      }
    }
  }
  return out;
}

function action(doc: ParsedDocument, title: string, diagnostic: Diagnostic, path: string[], value: string): CodeAction | undefined {
  const edit = setValueEdit(doc, path, value);
  if (!edit) return undefined;
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: { changes: { [doc.uri]: [edit] } } };
}

/** The number written at a path, else the resolved model's value. */
function numberAt(doc: ParsedDocument, path: string[], resolved: number | undefined): number | undefined {
  const n = nodeAtPath(doc.yaml(), path);
  if (isScalar(n) && typeof n.value === 'number') return n.value;
  return resolved;
}

function lowerLearningRate(doc: ParsedDocument, d: Diagnostic): CodeAction | undefined {
  const lr = numberAt(doc, ['train', 'optimizer', 'lr'], doc.model?.train.optimizer.lr) ?? DEFAULT_LR;
  const lower = String(Number((lr / 10).toPrecision(6)));
  return action(doc, `Lower the learning rate to ${lower}`, d, ['train', 'optimizer', 'lr'], lower);
}

function enableClipping(doc: ParsedDocument, d: Diagnostic): CodeAction | undefined {
  const clip = numberAt(doc, ['train', 'clipNorm'], doc.model?.train.clipNorm) ?? 0;
  if (clip > 0) return undefined;
  return action(doc, 'Enable gradient clipping (train.clipNorm: 1.0)', d, ['train', 'clipNorm'], '1.0');
}

function enableStabilization(doc: ParsedDocument, d: Diagnostic): CodeAction | undefined {
  if (valueAt(doc.yaml().value, ['stabilize']) !== undefined) return undefined;
  return action(doc, 'Enable stabilization for this stack (stabilize: auto)', d, ['stabilize'], 'auto');
}
