/**
 * The proxy's inspector page (`GET /__sora/proxy/`): the exchanges going through and the violations
 * the judge finds, live. The page polls `/__sora/proxy/exchanges` and `/__sora/proxy/report` (both
 * bounded, same origin only) once a second; its script is a separate same-origin file so the page's
 * Content-Security-Policy allows no inline script, and every value is set as text, never as HTML.
 */

export const INSPECTOR_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function inspectorPage(prefix: string, target: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sora-kit proxy: ${esc(target)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 1.5rem; color: #1f2328; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; } h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
td { overflow-wrap: anywhere; } .full { max-height: 20rem; overflow: auto; white-space: pre-wrap; }
code, td.mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.must { color: #cf222e; font-weight: 600; } .should { color: #9a6700; font-weight: 600; } .info { color: #57606a; }
.bad { background: #fff0f0; } #status { color: #57606a; }
</style>
</head>
<body>
<h1>sora-kit proxy</h1>
<p>Forwarding to <code id="target">${esc(target)}</code>; <span id="counts">0 exchanges, 0 violations</span>. <span id="status"></span></p>
<h2>Violations</h2>
<table id="violations"><thead><tr><th>check</th><th>severity</th><th>request</th><th>what was wrong</th></tr></thead><tbody></tbody></table>
<h2>Exchanges (newest first)</h2>
<table id="exchanges"><thead><tr><th>#</th><th>request</th><th>status</th><th>ms</th><th>violations</th></tr></thead><tbody></tbody></table>
<script src="${esc(prefix)}/inspector.js"></script>
</body>
</html>
`;
}

/** Characters of a value a cell of the page shows before it is opened. */
export const CELL_SHOWN = 300;

/** The page's script: poll, then rebuild the two tables from text nodes. */
export function inspectorScript(prefix: string): string {
  return `'use strict';
(() => {
  const prefix = ${JSON.stringify(prefix)};
  // A deployment's text can be megabytes in one word: a cell shows its start, and the whole on a click.
  const SHOWN = ${CELL_SHOWN};
  const cell = (row, value, cls) => {
    const td = row.insertCell();
    const text = String(value);
    if (cls) td.className = cls;
    if (text.length <= SHOWN) {
      td.textContent = text;
      return td;
    }
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = text.slice(0, SHOWN) + '… (' + text.length + ' characters)';
    const full = document.createElement('div');
    full.className = 'full';
    full.textContent = text;
    details.append(summary, full);
    td.append(details);
    return td;
  };
  async function refresh() {
    try {
      const [report, recent] = await Promise.all([
        fetch(prefix + '/report', { cache: 'no-store' }).then((r) => r.json()),
        fetch(prefix + '/exchanges', { cache: 'no-store' }).then((r) => r.json()),
      ]);
      document.getElementById('counts').textContent = report.exchanges + ' exchanges, ' + report.violations.length + ' violations';
      const vBody = document.querySelector('#violations tbody');
      vBody.replaceChildren();
      for (const v of report.violations.slice(-200).reverse()) {
        const row = vBody.insertRow();
        cell(row, v.check, 'mono'); cell(row, v.severity, v.severity); cell(row, v.method + ' ' + v.url, 'mono'); cell(row, v.message);
      }
      const eBody = document.querySelector('#exchanges tbody');
      eBody.replaceChildren();
      for (const e of recent.exchanges.slice().reverse()) {
        const row = eBody.insertRow();
        if (e.violations > 0) row.className = 'bad';
        cell(row, e.index); cell(row, e.method + ' ' + e.url, 'mono'); cell(row, e.status); cell(row, e.ms); cell(row, e.violations);
      }
      document.getElementById('status').textContent = '';
    } catch (error) {
      document.getElementById('status').textContent = 'the proxy does not answer (' + error.message + ')';
    }
  }
  refresh();
  setInterval(refresh, 1000);
})();
`;
}
