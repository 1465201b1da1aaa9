/**
 * The page's link to the extension: VS Code's webview API when the page runs in a webview, nothing in a standalone
 * HTML report (`dynaxx report`), where actions that need the extension show what they would do instead.
 */
import type { FromWebview, WebviewState } from '../../protocol/webview';

/** The object `acquireVsCodeApi()` returns (it may be called once per page). */
export interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

declare global {
  // present only inside a VS Code webview
  // eslint-disable-next-line no-var
  var acquireVsCodeApi: (() => VsCodeApi) | undefined;
}

let api: VsCodeApi | undefined;
let acquired = false;

/** VS Code's API, or undefined outside a webview. */
export function vscodeApi(): VsCodeApi | undefined {
  if (!acquired) {
    acquired = true;
    api = typeof globalThis.acquireVsCodeApi === 'function' ? globalThis.acquireVsCodeApi() : undefined;
  }
  return api;
}

/** Sends a message to the extension; false when there is none (standalone report). */
export function post(message: FromWebview): boolean {
  const vs = vscodeApi();
  if (!vs) return false;
  vs.postMessage(message);
  return true;
}
