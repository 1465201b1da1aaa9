/**
 * Fallback page builder with the signature of `dashboardHtml` (webviews/dashboard/html.ts, the webview's own
 * page): used until that module is reachable from the trainer project. Same CSP rules as the webview: nothing
 * loads but the bundle (or the inline script and style carrying the nonce); no eval, no remote resources.
 */
export interface DashboardHtmlOptions {
  /** URIs of the bundle (webview: `asWebviewUri`); ignored with `inline`. */
  scriptUri: string;
  styleUri: string;
  nonce: string;
  /** The webview's `cspSource` ('' for a standalone file). */
  cspSource: string;
  /** The DashboardData as JSON, already safe inside a script element (no '<'). */
  dataJson?: string;
  /** The bundle's text, embedded (a standalone report that opens from disk). */
  inline?: { script: string; style: string };
}

export function dashboardHtml(o: DashboardHtmlOptions): string {
  const src = o.cspSource ? `${o.cspSource} ` : '';
  const csp = [
    "default-src 'none'",
    `img-src ${src}data:`,
    `font-src ${src}data:`,
    `style-src ${src}'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
  const style = o.inline ? `<style nonce="${o.nonce}">${o.inline.style}</style>` : `<link rel="stylesheet" nonce="${o.nonce}" href="${attr(o.styleUri)}">`;
  const script = o.inline ? `<script nonce="${o.nonce}">${o.inline.script}</script>` : `<script nonce="${o.nonce}" src="${attr(o.scriptUri)}"></script>`;
  const data = o.dataJson !== undefined ? `<script type="application/json" id="dashboard-data">${o.dataJson}</script>\n` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Dynaxx dashboard</title>
${style}
</head>
<body>
<div id="app"></div>
${data}${script}
</body>
</html>
`;
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
