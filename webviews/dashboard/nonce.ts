/**
 * Lit (under @vscode-elements) falls back to `<style>` elements where constructable stylesheets are missing; the
 * page's CSP admits them only with the script's nonce, which Lit reads from `window.litNonce`. Imported first.
 */
declare global {
  // eslint-disable-next-line no-var
  var litNonce: string | undefined;
}

const script = document.currentScript as HTMLScriptElement | null;
if (script?.nonce) globalThis.litNonce = script.nonce;

export {};
