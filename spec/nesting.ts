/**
 * How deeply a YAML text nests its mappings and lists, measured on the concrete syntax tree without recursion.
 * Composing a YAML document recurses once per level, and a few thousand levels (a 10 KB file of `[` or `- - -`)
 * overflow the stack, at worst inside V8's regular-expression compiler, which ends the whole process. So every
 * reader measures the depth first and composes only texts within the nesting limit.
 */
import { Parser, type CST } from 'yaml';

/** The offset of the first collection nested deeper than `max` levels in `text`, or undefined when none is. */
export function nestingTooDeep(text: string, max: number): number | undefined {
  const stack: Array<[CST.Token | null | undefined, number]> = [];
  for (const token of new Parser().parse(text)) {
    stack.push([token, 0]);
    while (stack.length > 0) {
      const [t, depth] = stack.pop()!;
      if (!t) continue;
      if (t.type === 'document') stack.push([t.value, depth]);
      else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
        if (depth + 1 > max) return t.offset;
        // reversed, so that the first item is looked at first and the error points at the first place too deep
        for (const item of [...t.items].reverse()) {
          stack.push([item.value, depth + 1]);
          if ('key' in item) stack.push([item.key, depth + 1]);
        }
      }
    }
  }
  return undefined;
}
