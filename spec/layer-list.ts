/**
 * Reads a `layers:` list into templates: each item's `type`, `name` and keys are checked once,
 * before `repeat:` blocks are expanded (so a 1000-fold block reports a typo once, and fast).
 */
import { readFields, headRange, type FieldTable } from './fields';
import { LAYER_TYPES, layerKind, type SimpleLayerType } from './layers/registry';
import type { Reporter } from './report';
import { describe, entry, type SNode } from './source';
import { didYouMean } from './suggest';
import { quoteValue, UNSAFE_CHARS } from './limits';
import type { LayerType, ResidualConfig, SourceRange } from './types';

export interface LayerTemplate {
  type: LayerType;
  /** The item's `name:`, when given. */
  name?: string;
  /** Position in its list (for `<list>[<index>]` ids). */
  index: number;
  /** Resolved config; undefined when the item had errors. */
  config?: unknown;
  repeat: number;
  /** Where `repeat:` is written (for limit errors). */
  repeatRange?: SourceRange;
  /** Residual body. */
  body?: LayerTemplate[];
  /** The whole list item. */
  range: SourceRange;
  /** The `type: ...` line: where per-layer diagnostics point. */
  head: SourceRange;
}

/** Layer names become id segments: no dots, brackets or spaces. */
export const NAME_FIELD: FieldTable = {
  name: {
    kind: 'string', pattern: new RegExp(`^[^\\s.[\\]${UNSAFE_CHARS}]+$`),
    patternDoc: 'a name without spaces, dots or brackets (nor control characters)',
    doc: 'Name of the layer: its id segment (default `layers[<index>]`). Names are what hooks, pruning and the dashboards show.',
  },
};

export const RESIDUAL_FIELDS: FieldTable = {
  repeat: { kind: 'int', min: 1, default: 1, doc: 'How many copies of the block to stack; each copy is its own node `<name>[<k>]`.' },
  scale: { kind: 'number', default: 1, doc: 'y = x + scale · body(x).' },
};

export const RESIDUAL_DOC = 'Residual block y = x + scale · body(x); the body (`layers:`) must keep the shape. `repeat: N` stacks N copies.';

export function parseLayerList(node: SNode, r: Reporter, where: string): LayerTemplate[] | undefined {
  if (node.kind !== 'seq' || node.items.length === 0) {
    r.error(node.range, 'type', `${where} must be a non-empty list of layers, got ${describe(node)}`);
    return undefined;
  }
  const out: LayerTemplate[] = [];
  node.items.forEach((item, index) => {
    const t = parseLayer(item, index, r);
    if (t) out.push(t);
  });
  return out;
}

function parseLayer(item: SNode, index: number, r: Reporter): LayerTemplate | undefined {
  if (item.kind !== 'map') {
    r.error(item.range, 'type', `a layer must be a mapping with a 'type:' key, got ${describe(item)}`);
    return undefined;
  }
  const typeEntry = entry(item, 'type');
  if (typeEntry === undefined) {
    r.error(headRange(item), 'missing-key', `layer needs 'type' (one of ${LAYER_TYPES.join(', ')})`);
    return undefined;
  }
  const tv = typeEntry.value;
  const head = typeEntry.range;
  if (tv.kind !== 'scalar' || typeof tv.value !== 'string') {
    r.error(tv.range, 'type', `'type' must be one of ${LAYER_TYPES.join(', ')}, got ${describe(tv)}`);
    return undefined;
  }
  const type = tv.value as LayerType;
  if (!LAYER_TYPES.includes(type)) {
    r.error(tv.range, 'unknown-value', `unknown layer type '${quoteValue(tv.value)}'; known types: ${LAYER_TYPES.join(', ')}`, didYouMean(tv.value, LAYER_TYPES));
    return undefined;
  }
  if (type === 'residual') {
    const raw = readFields(item, { ...NAME_FIELD, ...RESIDUAL_FIELDS }, r, 'residual block', ['type', 'layers']);
    const layersEntry = entry(item, 'layers');
    let body: LayerTemplate[] | undefined;
    if (layersEntry === undefined) r.error(head, 'missing-key', "residual block needs 'layers' (its body)");
    else body = parseLayerList(layersEntry.value, r, "a residual block's 'layers'");
    const config: ResidualConfig | undefined = raw ? { scale: raw.scale as number } : undefined;
    return {
      type, index, head, range: item.range, body,
      ...(raw?.name !== undefined ? { name: raw.name as string } : nameOf(item)),
      ...(config ? { config } : {}),
      repeat: (raw?.repeat as number | undefined) ?? 1,
      ...(entry(item, 'repeat') ? { repeatRange: entry(item, 'repeat')!.range } : {}),
    };
  }
  const kind = layerKind(type as SimpleLayerType);
  const raw = readFields(item, { ...NAME_FIELD, ...kind.fields }, r, `${type} layer`, ['type']);
  return {
    type, index, head, range: item.range, repeat: 1,
    ...(raw?.name !== undefined ? { name: raw.name as string } : nameOf(item)),
    ...(raw ? { config: kind.toConfig(raw) } : {}),
  };
}

/** The name, even when other keys of the item had errors (so ids stay stable for the server). */
function nameOf(item: SNode): { name?: string } {
  if (item.kind !== 'map') return {};
  const v = entry(item, 'name')?.value;
  return v?.kind === 'scalar' && typeof v.value === 'string' ? { name: v.value } : {};
}
