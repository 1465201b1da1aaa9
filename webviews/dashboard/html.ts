/**
 * The dashboard page, for a VS Code webview (script and style loaded from the extension's `dist/webviews/` through
 * `asWebviewUri`) or for a standalone HTML report (script and style inlined). Either way the Content-Security-Policy
 * admits only this page's nonce and `cspSource`: no inline code without the nonce, no eval, no network.
 * Free of DOM and Node APIs: the extension and the CLI both call it.
 */

export interface DashboardHtmlOptions {
  /** webview.asWebviewUri of dist/webviews/dashboard.js (not used with `inline`). */
  scriptUri?: string;
  /** webview.asWebviewUri of dist/webviews/dashboard.css (not used with `inline`). */
  styleUri?: string;
  /** A fresh random nonce per page (`makeNonce()`). */
  nonce: string;
  /** webview.cspSource; leave empty for a standalone file (nothing outside the page may load). */
  cspSource?: string;
  /** `JSON.stringify(DashboardData)`, embedded for the page to start with (a report, or a webview restored). */
  dataJson?: string;
  /** The bundle and its CSS inlined (standalone report). */
  inline?: { script: string; style: string };
  title?: string;
}

/** 32 random base64 characters. */
export function makeNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function contentSecurityPolicy(nonce: string, cspSource = ''): string {
  const src = cspSource.trim();
  return [
    "default-src 'none'",
    `img-src ${src} data:`.replace(/\s+/g, ' '),
    `style-src ${src} 'nonce-${nonce}'`.replace(/\s+/g, ' '),
    `script-src 'nonce-${nonce}'`,
    `font-src ${src || "'none'"}`,
  ].join('; ') + ';';
}

export function dashboardHtml(o: DashboardHtmlOptions): string {
  if (!o.inline && (!o.scriptUri || !o.styleUri)) throw new Error('dashboardHtml: give scriptUri and styleUri, or inline');
  const nonce = attr(o.nonce);
  const style = o.inline
    ? `<style nonce="${nonce}">${o.inline.style.replace(/<\/style/gi, '<\\/style')}</style>`
    : `<link rel="stylesheet" nonce="${nonce}" href="${attr(o.styleUri!)}">`;
  const script = o.inline
    ? `<script nonce="${nonce}">${o.inline.script.replace(/<\/script/gi, '<\\/script')}</script>`
    : `<script nonce="${nonce}" src="${attr(o.scriptUri!)}"></script>`;
  // JSON in a script element: `<` escaped so that no `</script>` or `<!--` inside the data can end it
  const data = o.dataJson === undefined ? '' : `<script type="application/json" id="dashboard-data">${o.dataJson.replace(/</g, '\\u003c')}</script>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(o.nonce, o.cspSource))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${text(o.title ?? 'Dynaxx dashboard')}</title>
${style}
</head>
<body>
<div id="app"></div>
${data}
${script}
</body>
</html>
`;
}

function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;');
}
