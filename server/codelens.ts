/**
 * Code lenses, one provider per feature. Only the features in LANDED_FEATURES are asked: a lens for a
 * feature that has not landed is never shown. A later feature adds its provider with one line below. A sweep file
 * asks only the features of SWEEP_FILE_FEATURES, a model file only the others.
 */
import type { CodeLens } from 'vscode-languageserver';
import { LANDED_FEATURES, SWEEP_FILE_FEATURES, type Feature } from '../protocol/lsp-ext';
import { walkLayers, type LayerNode } from '../spec';
import type { ParsedDocument } from './documents';
import { dashboardLenses } from './lenses/dashboard';
import { discoverLenses } from './lenses/discover';
import { pruneLenses } from './lenses/prune';
import { stabilizeLenses } from './lenses/stabilize';
import { sweepLenses } from './lenses/sweep';
import { trainLenses } from './lenses/train';

/** Lenses of one feature for one document. */
export type LensProvider = (doc: ParsedDocument) => CodeLens[];

export const LENS_PROVIDERS: Partial<Record<Feature, LensProvider>> = {
  train: trainLenses,
  stabilize: stabilizeLenses,
  discover: discoverLenses,
  prune: pruneLenses,
  dashboard: dashboardLenses,
  sweep: sweepLenses,
};

export function codeLenses(doc: ParsedDocument, landed: readonly Feature[] = LANDED_FEATURES): CodeLens[] {
  const sweepFile = doc.kind === 'sweep';
  return landed
    .filter((feature) => SWEEP_FILE_FEATURES.includes(feature) === sweepFile)
    .flatMap((feature) => LENS_PROVIDERS[feature]?.(doc) ?? []);
}

/** The residual blocks as written (one per template, the first repetition), for providers that act on blocks. */
export function residualBlocks(doc: ParsedDocument): LayerNode[] {
  if (!doc.model || !doc.modelIsCurrent) return [];
  const seen = new Set<string>();
  const out: LayerNode[] = [];
  for (const n of walkLayers(doc.model.layers)) {
    const key = `${n.range.line}:${n.range.col}`;
    if (n.type !== 'residual' || seen.has(key)) continue;
    seen.add(key);
    out.push(n);
  }
  return out;
}
