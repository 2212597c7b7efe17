/**
 * A recorded request as a `curl` command a person can paste into a POSIX shell to send it again.
 *
 * Every word is single-quoted unless it is plainly safe, so nothing in a URL, header or body (quotes,
 * `$`, backticks, newlines, `!`) is interpreted by the shell. The exceptions are the secrets: the
 * recorder replaced the licence by the text `$SORA_LICENSE` and each extra header's value (`--header`)
 * by `$SORA_HEADER_<NAME>`, and the command expands those variables from the environment, so the
 * report never holds a secret and the command still carries it.
 */
import type { RecordedRequest } from './types.js';

/** The placeholder the recorder put where the licence was. */
export const LICENSE_VARIABLE = '$SORA_LICENSE';

/** The placeholder the recorder puts where an extra header's value was: `X-Gateway-Key` -> `$SORA_HEADER_X_GATEWAY_KEY`. */
export function headerVariable(name: string): string {
  return `$SORA_HEADER_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Every placeholder of a secret (headerVariable's names are upper case, digits and `_`, so the longest run is the name). */
const SECRET_VARIABLES = /\$(SORA_LICENSE|SORA_HEADER_[A-Z0-9_]+)/g;

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word that means exactly `text` (POSIX single quotes; `'` written as `'\''`). */
export function shellQuote(text: string): string {
  if (PLAIN.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Characters that keep their literal meaning inside double quotes (also with bash's history `!`). */
const DOUBLE_QUOTE_SAFE = /^[^"\\$`!]*$/;

/**
 * One shell word for `text` in which every secret's placeholder (`$SORA_LICENSE`, `$SORA_HEADER_*`)
 * expands to the variable's value and everything else stays literal: `"Authorization: $SORA_LICENSE"`
 * when the rest allows double quotes, otherwise single-quoted pieces joined by `"$SORA_LICENSE"`.
 */
export function shellQuoteWithLicense(text: string): string {
  // split with a capturing group: literal pieces at even indexes, variable names at odd ones.
  const parts = text.split(SECRET_VARIABLES);
  if (parts.length === 1) return shellQuote(text);
  const pieces = parts.filter((_, i) => i % 2 === 0);
  const names = parts.filter((_, i) => i % 2 === 1);
  if (pieces.every((piece) => DOUBLE_QUOTE_SAFE.test(piece))) {
    // `${SORA_LICENSE}` where a name character follows: `$SORA_LICENSEX` would be another variable.
    let word = pieces[0];
    names.forEach((name, i) => (word += `${/^\w/.test(pieces[i + 1]) ? `\${${name}}` : `$${name}`}${pieces[i + 1]}`));
    return `"${word}"`;
  }
  const literal = (piece: string) => (piece === '' ? '' : `'${piece.replace(/'/g, `'\\''`)}'`);
  return names.reduce((word, name, i) => `${word}"$${name}"${literal(pieces[i + 1])}`, literal(pieces[0]));
}

/** `content-type` -> `Content-Type` (header names are case-insensitive; this is how people write them). */
function headerName(name: string): string {
  return name
    .split('-')
    .map((part) => (part ? part[0].toUpperCase() + part.slice(1).toLowerCase() : part))
    .join('-');
}

/** Headers curl computes itself from what it sends. */
const COMPUTED = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

/**
 * A value inside curl's `-F name=@file;type=...` syntax: plain, or double-quoted with `\` escapes
 * when it holds a character curl's parser would take as syntax.
 */
function formToken(text: string): string {
  return /[;,"\\\s]/.test(text) ? `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"` : text;
}

/** The body as `printf` format text: `%` and `\` escaped, and bytes a shell word cannot carry (NUL) in octal. */
function printfFormat(body: string): string {
  // eslint-disable-next-line no-control-regex
  return body.replace(/[%\\\x00]/g, (c) => (c === '%' ? '%%' : c === '\\' ? '\\\\' : '\\000'));
}

/** The files of a multipart request, which the report does not keep: what to put beside the command. */
export function curlFiles(request: RecordedRequest): Array<{ name: string; filename: string; type: string; size: number }> {
  return (request.form ?? []).flatMap((field) => ('file' in field ? [{ name: field.name, ...field.file }] : []));
}

/**
 * The command, one option per line (joined with ` \` continuations). Text fields of a multipart body
 * are `--form-string` (taken literally: a value starting with `@` or `<` is not a file), files are
 * `-F 'name=@filename;type=...'` read from the current directory. The multipart `Content-Type` and
 * its boundary are left to curl, which makes its own.
 */
export function curlOf(request: RecordedRequest): string {
  const method = request.method.toUpperCase();
  const form = request.form && request.form.length > 0 ? request.form : undefined;
  const body = form ? undefined : request.body;
  const words: string[] = ['curl -sS -i -g'];
  let stdin: string | undefined;

  const implied = form || body !== undefined ? 'POST' : 'GET';
  if (method === 'HEAD' && !form && body === undefined) words.push('--head');
  else if (method !== implied) words.push(`-X ${shellQuote(method)}`);
  words.push(shellQuote(request.url));

  let hasContentType = false;
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (COMPUTED.has(lower)) continue;
    if (lower === 'content-type') {
      if (form && /^multipart\/form-data\b/i.test(value)) continue;
      hasContentType = true;
    }
    // `Name;` is curl's way to send a header with an empty value (`Name:` would remove it).
    words.push(`-H ${shellQuoteWithLicense(value === '' ? `${headerName(name)};` : `${headerName(name)}: ${value}`)}`);
  }

  if (body !== undefined) {
    // Without a recorded Content-Type, stop curl from adding application/x-www-form-urlencoded.
    if (!hasContentType) words.push(`-H ${shellQuote('Content-Type:')}`);
    if (body.includes('\0')) {
      // A shell word cannot hold NUL: printf writes the exact bytes and curl reads them from stdin.
      stdin = `printf ${shellQuote(printfFormat(body))} |`;
      words.push('--data-binary @-');
    } else {
      words.push(`--data-raw ${shellQuote(body)}`);
    }
  }
  for (const field of form ?? []) {
    if ('file' in field) {
      const type = field.file.type ? `;type=${formToken(field.file.type)}` : '';
      words.push(`-F ${shellQuote(`${field.name}=@${formToken(field.file.filename)}${type}`)}`);
    } else {
      words.push(`--form-string ${shellQuote(`${field.name}=${field.value}`)}`);
    }
  }
  const command = words.join(' \\\n  ');
  return stdin ? `${stdin} ${command}` : command;
}
