/**
 * Hovers. On a layer: type, id, input -> output shape, parameters and FLOPs (a repeated block also its
 * repeat count and totals), and while a run of the file is live, its latest per-layer statistics.
 * On a key: the key's description from the schema.
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { LayerStats } from '../protocol/trainer';
import { layerAt, type LayerNode, type ModelFile } from '../spec';
import type { ParsedDocument } from './documents';
import { fmtCount, fmtShape, fmtValue } from './format';
import { groupLabel, repetitions } from './layer-groups';
import { offsetRange } from './positions';
import type { LiveStats } from './run-stats';
import { descriptionAt } from './schema-nav';
import { locate } from './yaml-ast';

export function hover(doc: ParsedDocument, position: Position, live: LiveStats | undefined): Hover | null {
  const tree = doc.yaml();
  const at = locate(tree, doc.textDocument.offsetAt(position));
  if (at?.onKey) {
    const description = descriptionAt(tree.value, at.path);
    const key = at.path[at.path.length - 1];
    const layerKey = at.path.includes('layers') && (key === 'type' || key === 'name');
    const layer = layerKey ? layerHover(doc, position, live) : undefined;
    const parts = [layer, description && `\`${String(key)}\`: ${description}`].filter((p): p is string => !!p);
    if (parts.length === 0) return null;
    return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') }, range: offsetRange(doc.textDocument, at.span[0], at.span[1]) };
  }
  const value = layerHover(doc, position, live);
  return value ? { contents: { kind: MarkupKind.Markdown, value } } : null;
}

function layerHover(doc: ParsedDocument, position: Position, live: LiveStats | undefined): string | undefined {
  if (!doc.model) return undefined;
  const node = layerAt(doc.model, position.line + 1, position.character + 1);
  if (!node) return undefined;
  const lines = describeLayer(doc.model, node);
  if (live) lines.push('', ...statsTable(repetitions(doc.model, node), live));
  if (!doc.modelIsCurrent) lines.push('', '_From the last version of the file without errors._');
  return lines.join('\n');
}

export function describeLayer(model: ModelFile, node: LayerNode): string[] {
  const group = repetitions(model, node);
  const head = `**${node.type}** \`${groupLabel(group)}\``;
  const shape = `${fmtShape(node.inputShape)} → ${fmtShape(node.outputShape)}`;
  const routed = node.type === 'dna' || node.type === 'moe';
  const cost = `${fmtCount(node.params)} params · ${fmtCount(node.flops)} FLOPs${routed ? ' at most (a run measures the routed average)' : ''}`;
  if (group.length === 1) return [head, '', `${shape} · ${cost}`];
  const params = group.reduce((a, n) => a + n.params, 0);
  const flops = group.reduce((a, n) => a + n.flops, 0);
  const what = node.type === 'residual' ? `repeat ${group.length}` : `in each of ${group.length} repetitions`;
  const scale = node.type === 'residual' ? ` · scale ${(node.config as { scale: number }).scale}` : '';
  return [
    `${head} · ${what}${scale}`,
    '',
    `each: ${shape} · ${cost}  `,
    `total: ${fmtCount(params)} params · ${fmtCount(flops)} FLOPs`,
  ];
}

/** The live statistics: the first repetition, and the one with the largest gradient norm when it differs. */
function statsTable(group: readonly LayerNode[], live: LiveStats): string[] {
  const rows: LayerStats[] = [];
  const present = group.map((n) => live.byLayer.get(n.id)).filter((s): s is LayerStats => !!s);
  if (present.length === 0) return [`_Run ${live.runId}, step ${live.step}: no statistics for this layer._`];
  rows.push(present[0]!);
  const worst = present.reduce((a, s) => (s.gradNorm > a.gradNorm ? s : a), present[0]!);
  if (worst !== present[0]) rows.push(worst);
  return [
    `Run ${live.runId}, step ${live.step}:`,
    '',
    '| layer | grad norm | update norm | weight norm | activation var |',
    '|---|---|---|---|---|',
    ...rows.map((s) => `| \`${s.layerId}\`${s === worst && rows.length > 1 ? ' (largest grad norm)' : ''} | ${fmtValue(s.gradNorm)} | ${fmtValue(s.updateNorm)} | ${fmtValue(s.weightNorm)} | ${fmtValue(s.activationVar)} |`),
  ];
}
