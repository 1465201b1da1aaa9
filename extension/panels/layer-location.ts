/**
 * Where a layer id (`layers[2]`, `blocks[3].dense`, `layers[1][7].layers[0]`: its path in the model file, see
 * spec/types.ts `LayerNode.id`) sits in the model file's text, for the dashboard's "reveal the layer".
 *
 * The language server knows the ranges: its outline (`textDocument/documentSymbol`, server/symbols.ts) names
 * every layer under `model > layers` by its id, with a repeated block's repetition as `[0..N-1]` and its
 * body's as `[k]`, so `symbolRangeOf` matches an id against those names. When the server is not running,
 * `offsetInText` walks the YAML text the same way the spec's expansion names the layers.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml';

/** The parts of a `vscode.DocumentSymbol` read here (plain objects in tests). */
export interface SymbolLike<R> {
  name: string;
  range: R;
  children?: SymbolLike<R>[];
}

/** The range of the outline symbol of `layerId` (searched under `model > layers` and `model > modelJson`). */
export function symbolRangeOf<R>(symbols: readonly SymbolLike<R>[], layerId: string): R | undefined {
  const model = symbols.find((s) => s.name === 'model');
  const roots = (model?.children ?? []).filter((s) => s.name === 'layers' || s.name === 'modelJson').flatMap((s) => s.children ?? []);
  const visit = (list: readonly SymbolLike<R>[]): R | undefined => {
    for (const s of list) {
      if (namePattern(s.name).test(layerId)) return s.range;
      const inner = visit(s.children ?? []);
      if (inner) return inner;
    }
    return undefined;
  };
  return visit(roots);
}

/** `blocks[0..2]` and `blocks[k].dense` stand for any repetition: `blocks[1]`, `blocks[2].dense`. */
function namePattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\\\[(?:k|0\\\.\\\.\d+)\\\]/g, '\\[\\d+\\]')}$`);
}

/**
 * Offset of the layer's item in the text (its first character), by walking `model.layers` along the id's
 * segments (a segment is the layer's `name:` or `layers[<index>]`, a residual block adds `[<repetition>]`).
 * Falls back to the first `name: <last named segment>`, then to the `modelJson:` key; undefined when none fits.
 */
export function offsetInText(text: string, layerId: string): number | undefined {
  const segments = splitId(layerId);
  let doc;
  try {
    doc = parseDocument(text, { uniqueKeys: false });
  } catch {
    doc = undefined;
  }
  const model = doc && isMap(doc.contents) ? (doc.contents.get('model', true) as Node | undefined) : undefined;
  let list = isMap(model) ? (model.get('layers', true) as Node | undefined) : undefined;
  let found: YAMLMap | undefined;
  for (const seg of segments) {
    if (!isSeq(list)) { found = undefined; break; }
    const items = list.items.filter(isMap);
    const byName = items.find((m) => scalarOf(m, 'name') === seg.name);
    const index = /^layers\[(\d+)\]$/.exec(seg.name);
    found = byName ?? (index ? (list.items[Number(index[1])] as Node | undefined) : undefined) as YAMLMap | undefined;
    if (!isMap(found)) { found = undefined; break; }
    list = found.get('layers', true) as Node | undefined;
  }
  if (found?.range) return found.range[0];
  const named = [...segments].reverse().find((s) => !/^layers\[\d+\]$/.test(s.name));
  const m = named && new RegExp(`\\bname:\\s*['"]?${named.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*[,}\\n]`).exec(`${text}\n`);
  if (m) return m.index;
  const json = /^\s*modelJson:/m.exec(text);
  return json ? json.index + json[0].indexOf('modelJson') : undefined;
}

/** `blocks[3].dense` → [{name: 'blocks'}, {name: 'dense'}]; `layers[1][7].layers[0]` → [{name: 'layers[1]'}, {name: 'layers[0]'}]. */
function splitId(id: string): Array<{ name: string }> {
  const out: Array<{ name: string }> = [];
  for (const part of id.split('.')) {
    const m = /^(layers\[\d+\]|[^[\]]+)(?:\[\d+\])?$/.exec(part);
    out.push({ name: m ? m[1]! : part });
  }
  return out;
}

function scalarOf(map: YAMLMap, key: string): string | undefined {
  const v = map.get(key, true);
  return isScalar(v) && v.value !== null ? String(v.value) : undefined;
}
