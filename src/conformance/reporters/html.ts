/**
 * The HTML report: one file a person opens in a browser. The summary (deployment, date, duration,
 * counts per severity, verdict), a row per check, and for each failure the request, the answer, what
 * was expected and what came instead, a `curl` command that sends the request again and the
 * `sora-kit check --only` line that reruns the check. The media the checks judged are shown: images
 * inline as `data:` URIs, videos (and images too large to inline) as files in a folder beside the
 * report, which this function returns for the caller to write.
 *
 * Self-contained and inert: inline CSS, no script at all (filtering is CSS `:has()` on radio buttons
 * and checkboxes), a Content-Security-Policy that forbids scripts and every load but data: images and
 * the media files beside the report, and every text from the deployment HTML-escaped.
 */
import { verdictText } from './verdict.js';
import { cutText } from '../../spec/describe.js';
import { digestHex } from '../../media/recipe.js';
import { toBase64 } from '../../util/index.js';
import { curlFiles, curlOf, shellQuote, shellQuoteWithLicense } from '../curl.js';
import { SEVERITIES, type CheckResult, type FailureDetail, type MediaEvidence, type RecordedRequest, type Report, type Severity } from '../types.js';

export interface HtmlReportOptions {
  /**
   * The folder of saved media, relative to the report (`report-media` for `report.html`, see
   * `mediaDirFor`). Default `sora-kit-report-media`.
   */
  mediaDir?: string;
  /** Images larger than this are saved as files instead of inlined (default 8 MiB). */
  maxInlineImageBytes?: number;
  /** Text shown of a response body, in characters (default 100 000). */
  maxBodyChars?: number;
  /** The command in the rerun line (default `sora-kit check`). */
  command?: string;
  /** Arguments the run was given that a rerun needs too (`--seed 7 --fuzz 20`), appended shell-quoted. */
  rerunArgs?: readonly string[];
}

/** A file to write beside the report: `path` is relative to the report's folder, `/`-separated. */
export interface HtmlReportFile {
  path: string;
  bytes: Uint8Array;
  contentType: string;
}

export interface HtmlReport {
  html: string;
  files: HtmlReportFile[];
}

const DEFAULTS: Required<HtmlReportOptions> = { mediaDir: 'sora-kit-report-media', maxInlineImageBytes: 8 * 1024 * 1024, maxBodyChars: 100_000, command: 'sora-kit check', rerunArgs: [] };

/** The media folder of a report file: `out/report.html` -> `report-media`. */
export function mediaDirFor(reportPath: string): string {
  const base = reportPath.split(/[\\/]/).pop() || 'sora-kit-report.html';
  return `${base.replace(/\.html?$/i, '') || 'report'}-media`;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an HTML text node or a double-quoted attribute; NUL and other C0 controls made visible. */
export function escapeHtml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]).replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g, '\uFFFD');
}

const h = escapeHtml;

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A raster image type from the bytes themselves (never SVG: a data: image is shown, not trusted). */
function sniffImage(bytes: Uint8Array): { type: string; ext: string } | undefined {
  const at = (offset: number, ...values: number[]) => values.every((v, i) => bytes[offset + i] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { type: 'image/png', ext: 'png' };
  if (at(0, 0xff, 0xd8, 0xff)) return { type: 'image/jpeg', ext: 'jpg' };
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return { type: 'image/webp', ext: 'webp' };
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return { type: 'image/gif', ext: 'gif' };
  return undefined;
}

function sniffVideo(bytes: Uint8Array, contentType: string): { type: string; ext: string } {
  const at = (offset: number, ...values: number[]) => values.every((v, i) => bytes[offset + i] === v);
  if (at(4, 0x66, 0x74, 0x79, 0x70)) return at(8, 0x71, 0x74, 0x20, 0x20) ? { type: 'video/quicktime', ext: 'mov' } : { type: 'video/mp4', ext: 'mp4' };
  if (at(0, 0x1a, 0x45, 0xdf, 0xa3)) return { type: 'video/webm', ext: 'webm' };
  const declared = contentType.split(';')[0].trim().toLowerCase();
  const ext = { 'video/mp4': 'mp4', 'video/webm': 'webm', 'video/quicktime': 'mov' }[declared];
  return ext ? { type: declared, ext } : { type: 'application/octet-stream', ext: 'bin' };
}

function kindOf(media: MediaEvidence): 'image' | 'video' | undefined {
  if (media.kind) return media.kind;
  if (/^image\//i.test(media.contentType)) return 'image';
  if (/^video\//i.test(media.contentType)) return 'video';
  return undefined;
}

/** A link only to a web address; anything else (javascript:, data:) stays text. */
function linkOrText(url: string): string {
  let web = false;
  try {
    web = ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    web = false;
  }
  return web ? `<a href="${h(url)}" rel="noreferrer noopener">${h(url)}</a>` : `<code>${h(url)}</code>`;
}

/** Saved media, one file per distinct content. */
class MediaFolder {
  readonly files: HtmlReportFile[] = [];
  private readonly byContent = new Map<string, string>();
  constructor(private readonly dir: string) {}

  save(checkId: string, n: number, bytes: Uint8Array, format: { type: string; ext: string }): string {
    const key = `${digestHex(bytes)}:${bytes.length}`;
    const known = this.byContent.get(key);
    if (known) return known;
    const path = `${this.dir}/${checkId.replace(/[^A-Za-z0-9._-]/g, '_')}-${n}.${format.ext}`;
    this.files.push({ path, bytes, contentType: format.type });
    this.byContent.set(key, path);
    return path;
  }

  /** The href of a saved file, each segment URL-encoded. */
  static href(path: string): string {
    return path.split('/').map(encodeURIComponent).join('/');
  }
}

function mediaItem(media: MediaEvidence, checkId: string, n: number, folder: MediaFolder, maxInline: number): string {
  const kind = kindOf(media);
  const facts = [
    `<dt>url</dt><dd>${linkOrText(media.url)}</dd>`,
    `<dt>answer</dt><dd>${h(`${media.status} ${media.contentType || '(no content-type)'}`)}${media.bytes ? h(`, ${media.bytes.length} bytes`) : ''}</dd>`,
    media.facts !== undefined ? `<dt>decoded</dt><dd class="facts">${h(media.facts)}</dd>` : '',
    media.error !== undefined ? `<dt>error</dt><dd class="error">${h(media.error)}</dd>` : '',
  ].join('');
  let shown = '';
  const { bytes } = media;
  if (bytes && bytes.length > 0 && kind === 'image') {
    const format = sniffImage(bytes);
    const alt = h(`${checkId} image ${n}${media.facts ? `: ${media.facts}` : ''}`);
    if (!format) shown = '<p class="note">The bytes are not a PNG, JPEG, WebP or GIF image: not shown.</p>';
    else if (bytes.length <= maxInline) shown = `<img class="judged" src="data:${format.type};base64,${toBase64(bytes)}" alt="${alt}">`;
    else shown = `<img class="judged" src="${h(MediaFolder.href(folder.save(checkId, n, bytes, format)))}" alt="${alt}">`;
  } else if (bytes && bytes.length > 0 && kind === 'video') {
    const format = sniffVideo(bytes, media.contentType);
    const href = h(MediaFolder.href(folder.save(checkId, n, bytes, format)));
    shown = `<video class="judged" controls preload="metadata" src="${href}"></video><p class="note">Saved as <a href="${href}">${href}</a>.</p>`;
  }
  return `<figure class="media media-${kind ?? 'other'}">${shown}<figcaption><dl>${facts}</dl></figcaption></figure>`;
}

function pre(text: string, cls = ''): string {
  return `<pre${cls ? ` class="${cls}"` : ''}>${h(text)}</pre>`;
}

function requestBlock(request: RecordedRequest): string {
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`);
  const parts = [pre([`${request.method} ${request.url}`, ...headers].join('\n'), 'request-head')];
  if (request.body !== undefined) parts.push(pre(request.body, 'request-body'));
  if (request.form && request.form.length > 0) {
    const rows = request.form.map((field) =>
      'file' in field
        ? `<tr><td><code>${h(field.name)}</code></td><td>file <code>${h(field.file.filename)}</code> (${h(field.file.type || 'no type')}, ${field.file.size} bytes)</td></tr>`
        : `<tr><td><code>${h(field.name)}</code></td><td><pre>${h(field.value)}</pre></td></tr>`,
    );
    parts.push(`<table class="form"><thead><tr><th>field</th><th>value</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  }
  return `<section class="request"><h4>Request</h4>${parts.join('')}</section>`;
}

function responseBlock(response: NonNullable<FailureDetail['response']>, maxChars: number): string {
  const cut = response.body.length > maxChars;
  const body = cut ? response.body.slice(0, maxChars) : response.body;
  return `<section class="response"><h4>Response</h4>${pre(`${response.status} ${response.contentType || '(no content-type)'}`, 'response-head')}${body ? pre(body, 'response-body') : '<p class="note">(empty body)</p>'}${cut ? `<p class="note">Cut at ${maxChars} of ${response.body.length} characters.</p>` : ''}</section>`;
}

function reproduce(result: CheckResult, baseUrl: string, options: Required<HtmlReportOptions>): string {
  const request = result.failure?.request;
  const parts: string[] = [];
  if (request) {
    const files = curlFiles(request);
    const note = files.length
      ? `<p class="note">The report does not keep uploaded files: put ${files.map((f) => `<code>${h(f.filename)}</code> (${h(f.type || 'any type')}, the run sent ${f.size} bytes)`).join(', ')} in the current directory first.</p>`
      : '';
    // The extra headers (--header) stand in the command as variables too.
    const variables = ['SORA_LICENSE', ...Object.values(request.headers).flatMap((v) => (/^\$SORA_HEADER_\w+$/.test(v) ? [v.slice(1)] : []))];
    const where = `<code>${variables.join('</code>, <code>')}</code>`;
    parts.push(`<h4>Send the request again</h4><p class="note">With the licence${variables.length > 1 ? ' and the extra headers' : ''} in ${where}.</p>${pre(curlOf(request), 'curl')}${note}`);
  }
  const rerun = [options.command, '--base-url', shellQuote(baseUrl), '--only', shellQuote(result.id), ...options.rerunArgs.map(shellQuoteWithLicense)].join(' ');
  parts.push(`<h4>Rerun the check</h4>${pre(rerun, 'rerun')}`);
  return `<section class="reproduce">${parts.join('')}</section>`;
}

function detail(result: CheckResult, report: Report, folder: MediaFolder, options: Required<HtmlReportOptions>): string {
  const parts: string[] = [];
  if (result.message) parts.push(pre(result.message, 'message'));
  const failure = result.failure;
  if (failure) {
    if (failure.expected !== undefined || failure.actual !== undefined) {
      parts.push(
        `<section class="verdict-detail"><div class="expected"><h4>Expected</h4>${pre(failure.expected ?? '')}</div><div class="actual"><h4>Actual</h4>${pre(failure.actual ?? '')}</div></section>`,
      );
    }
    if (failure.request) parts.push(requestBlock(failure.request));
    if (failure.response) parts.push(responseBlock(failure.response, options.maxBodyChars));
  }
  if (result.media && result.media.length > 0) {
    const items = result.media.map((m, i) => mediaItem(m, result.id, i + 1, folder, options.maxInlineImageBytes));
    parts.push(`<section class="media-list"><h4>Media judged</h4>${items.join('')}</section>`);
  }
  if (result.status === 'failed') parts.push(reproduce(result, report.baseUrl, options));
  if (parts.length === 0) return '';
  const body = parts.join('');
  // A failure is open; anything else folds away (media of passed checks, skip reasons).
  const summary = result.status === 'failed' ? 'Failure' : result.status === 'skipped' ? 'Why skipped' : 'Details';
  return `<tr class="detail"><td colspan="7"><details${result.status === 'failed' ? ' open' : ''}><summary>${summary}</summary>${body}</details></td></tr>`;
}

/** Characters of a check's message shown in its row of the table. */
const ROW_MESSAGE_MAX = 300;

function checkRows(result: CheckResult, report: Report, folder: MediaFolder, options: Required<HtmlReportOptions>): string {
  // A peer's text can be megabytes on one line (a model id, an echoed prompt): the row shows its start,
  // the detail below holds all of it in a scrolling box.
  const firstLine = cutText(result.message.split('\n', 1)[0] ?? '', ROW_MESSAGE_MAX);
  const anchor = `check-${result.id}`;
  return [
    `<tbody class="check status-${h(result.status)} sev-${h(result.severity)}" id="${h(anchor)}" data-check-id="${h(result.id)}" data-status="${h(result.status)}" data-severity="${h(result.severity)}">`,
    '<tr class="row">',
    `<td class="id"><a href="#${h(anchor)}"><code>${h(result.id)}</code></a></td>`,
    `<td class="severity"><span class="badge sev-${h(result.severity)}">${h(result.severity)}</span></td>`,
    `<td class="status"><span class="badge status-${h(result.status)}">${h(result.status)}</span></td>`,
    `<td class="purpose">${h(result.purpose)}</td>`,
    `<td class="rule">${h(result.rule)}</td>`,
    `<td class="duration">${h(duration(result.durationMs))}</td>`,
    `<td class="message">${h(firstLine)}</td>`,
    '</tr>',
    detail(result, report, folder, options),
    '</tbody>',
  ].join('');
}

type Counts = Record<'total' | 'passed' | 'failed' | 'skipped', number>;

function countsBySeverity(report: Report): Map<Severity, Counts> {
  const counts = new Map<Severity, Counts>(SEVERITIES.map((s) => [s, { total: 0, passed: 0, failed: 0, skipped: 0 }]));
  for (const c of report.checks) {
    const row = counts.get(c.severity);
    if (!row) continue;
    row.total += 1;
    row[c.status] += 1;
  }
  return counts;
}

function summaryBlock(report: Report): string {
  const counts = countsBySeverity(report);
  const total: Counts = { total: report.checks.length, passed: report.summary.passed, failed: report.summary.failed, skipped: report.summary.skipped };
  const row = (label: string, c: Counts, cls: string) =>
    `<tr class="${cls}"><th scope="row">${h(label)}</th><td class="total">${c.total}</td><td class="passed">${c.passed}</td><td class="failed">${c.failed}</td><td class="skipped">${c.skipped}</td></tr>`;
  const failedVerdict = !report.passed;
  const verdict = verdictText(report);
  const plan = report.plan;
  const notRun = plan.skipped.length
    ? `<p class="note">Not run: ${plan.skipped.map((s) => `<code>${h(s.id)}</code> (${h(s.reason)})`).join('; ')}</p>`
    : '';
  return [
    `<p id="verdict" class="verdict ${failedVerdict ? 'verdict-failed' : 'verdict-passed'}">${h(verdict)}</p>`,
    ...report.hints.map((hint) => `<p class="hint">Hint: ${h(hint)}</p>`),
    '<dl class="facts-list">',
    `<dt>Deployment</dt><dd id="base-url"><code>${h(report.baseUrl)}</code></dd>`,
    `<dt>Started</dt><dd><time id="started-at" datetime="${h(report.startedAt)}">${h(report.startedAt)}</time></dd>`,
    `<dt>Duration</dt><dd id="duration">${h(duration(report.durationMs))}</dd>`,
    `<dt>Generations planned</dt><dd>${plan.totals.images} image(s), ${plan.totals.videos} video(s)</dd>`,
    '</dl>',
    notRun,
    '<table id="counts" class="counts"><thead><tr><th scope="col">severity</th><th scope="col">checks</th><th scope="col">passed</th><th scope="col">failed</th><th scope="col">skipped</th></tr></thead><tbody>',
    ...SEVERITIES.map((s) => row(s, counts.get(s)!, `sev-${s}`)),
    row('total', total, 'all'),
    '</tbody></table>',
    '<p class="note">A failed <b>must</b> check (a rule of the platform document) fails the run; <b>should</b> (the OpenAI contract, HTTP semantics) and <b>info</b> (sora-kit\'s own choices) are reported.</p>',
  ].join('');
}

/** The filter controls: plain form elements read by CSS `:has()`, so they work without script. */
const FILTERS = [
  '<fieldset class="filters"><legend>Show</legend>',
  '<label><input type="radio" name="show" id="show-all" checked> all</label>',
  '<label><input type="radio" name="show" id="show-failed"> failed</label>',
  '<label><input type="radio" name="show" id="show-not-passed"> failed and skipped</label>',
  ...SEVERITIES.map((s) => `<label><input type="checkbox" id="show-${s}" checked> ${s}</label>`),
  '</fieldset>',
].join('');

const CSS = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --skip: #9a6700; --muted: #6e7781; --line: #d0d7de; --code: rgba(127,127,127,.12); }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 1400px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; } h4 { margin: .8rem 0 .3rem; }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--code); padding: .5rem .7rem; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; max-height: 30rem; overflow: auto; }
.verdict { font-size: 1.2rem; font-weight: 600; padding: .5rem .8rem; border-radius: 4px; }
.verdict-failed { background: rgba(207,34,46,.12); color: var(--bad); } .verdict-passed { background: rgba(26,127,55,.12); color: var(--ok); }
.facts-list { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } .facts-list dt { color: var(--muted); } .facts-list dd { margin: 0; }
table { border-collapse: collapse; } th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
.counts td { text-align: right; min-width: 4rem; } .counts tr.all { font-weight: 600; }
#checks { width: 100%; } #checks td.duration { white-space: nowrap; text-align: right; } #checks td.rule { color: var(--muted); max-width: 18rem; }
#checks td.message { overflow-wrap: anywhere; max-width: 28rem; } tr.detail > td { background: rgba(127,127,127,.04); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: 12px; border: 1px solid currentColor; }
.badge.status-passed { color: var(--ok); } .badge.status-failed { color: var(--bad); font-weight: 600; } .badge.status-skipped { color: var(--skip); }
.badge.sev-must { color: var(--bad); } .badge.sev-should { color: var(--skip); } .badge.sev-info { color: var(--muted); }
tbody.status-failed > tr.row { background: rgba(207,34,46,.06); }
.verdict-detail { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.note { color: var(--muted); margin: .3rem 0; }
figure.media { display: inline-block; vertical-align: top; margin: .5rem 1rem .5rem 0; max-width: 100%; }
figure.media img.judged, figure.media video.judged { max-width: min(100%, 480px); max-height: 480px; border: 1px solid var(--line); background: repeating-conic-gradient(#ccc 0% 25%, #fff 0% 50%) 50% / 16px 16px; }
figure.media dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 .6rem; margin: .3rem 0; } figure.media dd { margin: 0; overflow-wrap: anywhere; } .error { color: var(--bad); }
.filters { border: 1px solid var(--line); border-radius: 4px; margin: 1rem 0; } .filters label { margin-right: 1rem; }
body:has(#show-failed:checked) tbody.check:not(.status-failed) { display: none; }
body:has(#show-not-passed:checked) tbody.check.status-passed { display: none; }
${SEVERITIES.map((s) => `body:has(#show-${s}:not(:checked)) tbody.check.sev-${s} { display: none; }`).join('\n')}
`;

/**
 * Nothing may run and nothing may load from elsewhere: images are data: URIs, media files sit beside
 * the report (file: when opened from disk, the same origin when served).
 */
const CSP = "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data: 'self' file:; media-src 'self' file:; base-uri 'none'; form-action 'none'";

export function formatHtml(report: Report, options: HtmlReportOptions = {}): HtmlReport {
  const resolved = { ...DEFAULTS, ...options };
  const folder = new MediaFolder(resolved.mediaDir.replace(/[\\/]+$/, ''));
  const rows = report.checks.map((c) => checkRows(c, report, folder, resolved)).join('\n');
  const title = `sora-kit conformance: ${report.baseUrl}`;
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${h(CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${h(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<header><h1>sora-kit conformance report</h1>${summaryBlock(report)}</header>`,
    '<main>',
    FILTERS,
    '<table id="checks"><thead><tr><th scope="col">check</th><th scope="col">severity</th><th scope="col">status</th><th scope="col">purpose</th><th scope="col">rule</th><th scope="col">duration</th><th scope="col">message</th></tr></thead>',
    rows,
    '</table>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return { html, files: folder.files };
}
