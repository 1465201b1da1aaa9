/**
 * How deeply a YAML text nests its mappings and lists, measured on the concrete syntax tree without recursion.
 * Composing a YAML document recurses once per level, and a few thousand levels (a 10 KB file of `[`) overflow
 * the stack inside V8's regular-expression compiler, which ends the whole process, workers included. So the
 * language server measures the depth first and composes only texts within the nesting limit.
 */
import { Parser, type CST } from 'yaml';

/** The deepest nesting of collections in `text`; stops counting once it passes `stopAbove`. */
export function yamlNestingDepth(text: string, stopAbove = Infinity): number {
  let max = 0;
  const stack: Array<[CST.Token | null | undefined, number]> = [];
  for (const token of new Parser().parse(text)) {
    stack.push([token, 0]);
    while (stack.length > 0) {
      const [t, depth] = stack.pop()!;
      if (!t) continue;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
      if (t.type === 'document') stack.push([t.value, depth]);
      else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
        for (const item of t.items) {
          if ('key' in item) stack.push([item.key, depth + 1]);
          stack.push([item.value, depth + 1]);
        }
      }
    }
  }
  return max;
}
