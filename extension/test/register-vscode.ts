/**
 * Import first in an extension test: resolves `vscode` to the thin stand-in in vscode-stub.ts (the real
 * module exists only inside VS Code's extension host).
 */
import Module from 'node:module';

const stubPath = require.resolve('./vscode-stub');
const M = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
const resolve = M._resolveFilename;
M._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === 'vscode' ? stubPath : resolve.call(this, request, ...rest);
};
