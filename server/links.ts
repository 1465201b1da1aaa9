/** Document links: `data.path`, `data.labels` and `model.modelJson` open the file they name. */
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentLink } from 'vscode-languageserver';
import { isScalar } from 'yaml';
import { uriToPath, type ParsedDocument } from './documents';
import { offsetRange } from './positions';
import { nodeAtPath } from './yaml-ast';

/** The keys whose values are paths relative to the model file. */
export const PATH_KEYS: ReadonlyArray<readonly [string, string]> = [['data', 'path'], ['data', 'labels'], ['model', 'modelJson']];

export function documentLinks(doc: ParsedDocument): DocumentLink[] {
  if (!doc.uri.startsWith('file:')) return [];
  const base = dirname(uriToPath(doc.uri));
  const tree = doc.yaml();
  return PATH_KEYS.flatMap((path): DocumentLink[] => {
    const node = nodeAtPath(tree, path);
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '' || !node.range) return [];
    const target = isAbsolute(node.value) ? node.value : resolve(base, node.value);
    // the link covers the text of the value, inside its quotes
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
    return [{
      range: offsetRange(doc.textDocument, node.range[0] + quoted, node.range[1] - quoted),
      target: pathToFileURL(target).href,
      tooltip: target,
    }];
  });
}
