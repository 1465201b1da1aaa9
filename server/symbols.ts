/**
 * The outline: the top-level sections, the keys of `data:` and `train:`, and under `model:` every layer
 * named by its id and type, residual bodies nested. Built from the syntax tree (so it follows the text
 * while the file has errors); shapes come from the model when it has the layer.
 */
import { SymbolKind, type DocumentSymbol, type Range } from 'vscode-languageserver';
import { walkLayers, type LayerNode } from '../spec';
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { ParsedDocument } from './documents';
import { fmtShape } from './format';
import { offsetRange } from './positions';
import { keyOf, pairOf } from './yaml-ast';

export function documentSymbols(doc: ParsedDocument): DocumentSymbol[] {
  const root = doc.yaml().doc.contents;
  if (!isMap(root)) return [];
  const span = (n: Node | null | undefined, fallback: Range): Range => (n?.range ? offsetRange(doc.textDocument, n.range[0], n.range[1]) : fallback);
  const pairRange = (p: Pair): Range => {
    const k = span(p.key as Node, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    const v = span(p.value as Node | null, k);
    return { start: k.start, end: v.end };
  };
  const keyRange = (p: Pair): Range => span(p.key as Node, pairRange(p));
  const byId = new Map<string, LayerNode>();
  if (doc.model && doc.modelIsCurrent) for (const n of walkLayers(doc.model.layers)) byId.set(n.id, n);
  const shapes = (id: string): string => {
    const node = byId.get(id);
    return node ? ` ${fmtShape(node.inputShape)} → ${fmtShape(node.outputShape)}` : '';
  };

  const layerList = (items: Pair | undefined, prefix: string, display: string): DocumentSymbol[] => {
    if (!items || !isSeq(items.value)) return [];
    return items.value.items.flatMap((item, i): DocumentSymbol[] => {
      if (!isMap(item)) return [];
      const name = scalar(item, 'name');
      const type = scalar(item, 'type') ?? '?';
      const seg = name ?? `layers[${i}]`;
      const range = span(item as Node, pairRange(items));
      const typePair = pairOf(item, 'type');
      const selectionRange = typePair ? keyRange(typePair) : range;
      if (type === 'residual') {
        const repeat = Math.max(1, Number(scalar(item, 'repeat') ?? 1) || 1);
        const idx = repeat > 1 ? `[0..${repeat - 1}]` : '[0]';
        const bodyPrefix = repeat > 1 ? `${prefix}${seg}[k].` : `${prefix}${seg}[0].`;
        return [{
          name: `${display}${seg}${idx}`,
          detail: `residual${repeat > 1 ? ` ×${repeat}` : ''}${shapes(`${prefix}${seg}[0]`)}`,
          kind: SymbolKind.Class,
          range,
          selectionRange,
          children: layerList(pairOf(item, 'layers'), `${prefix}${seg}[0].`, bodyPrefix),
        }];
      }
      return [{ name: `${display}${seg}`, detail: `${type}${shapes(`${prefix}${seg}`)}`, kind: SymbolKind.Field, range, selectionRange }];
    });
  };

  // layers imported from a model.json all sit on the `modelJson:` line
  const imported = (range: Range): DocumentSymbol[] => (doc.model && doc.modelIsCurrent && doc.model.modelJson ? doc.model.layers : [])
    .map((n) => ({ name: n.id, detail: `${n.type}${shapes(n.id)}`, kind: SymbolKind.Field, range, selectionRange: range }));

  return root.items.flatMap((pair): DocumentSymbol[] => {
    const key = keyOf(pair);
    if (key === undefined) return [];
    const value = pair.value as Node | null;
    let children: DocumentSymbol[] = [];
    if (key === 'model' && isMap(value)) {
      children = value.items.flatMap((p): DocumentSymbol[] => {
        const k = keyOf(p);
        if (k === undefined) return [];
        const sub = k === 'layers' ? layerList(p, '', '') : k === 'modelJson' ? imported(pairRange(p)) : [];
        return [{ name: k, kind: k === 'layers' ? SymbolKind.Array : SymbolKind.Property, range: pairRange(p), selectionRange: keyRange(p), ...(sub.length ? { children: sub } : {}) }];
      });
    } else if (isMap(value)) {
      children = value.items.flatMap((p): DocumentSymbol[] => {
        const k = keyOf(p);
        return k === undefined ? [] : [{ name: k, kind: SymbolKind.Property, range: pairRange(p), selectionRange: keyRange(p) }];
      });
    }
    const detail = key === 'model' && doc.model && doc.modelIsCurrent ? `${doc.model.depth} weight layers` : undefined;
    return [{ name: key, kind: SymbolKind.Module, range: pairRange(pair), selectionRange: keyRange(pair), ...(detail ? { detail } : {}), ...(children.length ? { children } : {}) }];
  });
}

function scalar(map: YAMLMap, key: string): string | undefined {
  const v = pairOf(map, key)?.value;
  return isScalar(v) && v.value !== null ? String(v.value) : undefined;
}
