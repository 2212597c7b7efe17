/**
 * The one way an error message quotes a value the client sent. Every message that echoes a received
 * value (zod issues, the rules' parsers, the model-name grammar, the mock's own 400s and 404s) goes
 * through `describeValue` or `cutText`, so no answer grows with its request: a 40 MB model name or a
 * 50,000-deep array is shown in a few dozen characters, in time proportional to what is shown.
 */

/** How many characters of a received value a message quotes. */
export const SHOWN_VALUE_MAX = 60;
/** Levels of a structure shown before `…`; the walk never goes deeper, whatever the nesting. */
const SHOWN_DEPTH_MAX = 4;

/** `text` cut to `max` characters (never inside a surrogate pair), with `…` when something was cut. */
export function cutText(text: string, max = SHOWN_VALUE_MAX): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

export interface DescribeOptions {
  /** How strings are quoted: `'text'` (the rules' messages) or JSON's `"text"` (zod's). Default single. */
  quote?: 'single' | 'json';
  /** Characters of the value shown; default SHOWN_VALUE_MAX. */
  max?: number;
}

function quoteString(text: string, quote: 'single' | 'json', max: number): string {
  const shown = cutText(text, max);
  const quoted = quote === 'json' ? JSON.stringify(shown) : `'${shown}'`;
  return shown.length < text.length ? `${quoted} (${text.length} characters)` : quoted;
}

/**
 * A JSON-like rendering that stops as soon as `budget` characters are written and never goes more
 * than SHOWN_DEPTH_MAX levels down, so its cost is bounded by what it shows.
 */
function render(value: unknown, depth: number, budget: { left: number }): string {
  if (budget.left <= 0) return '…';
  if (Array.isArray(value) || (typeof value === 'object' && value !== null && !(value instanceof Date))) {
    const array = Array.isArray(value);
    const keys = array ? undefined : Object.keys(value);
    const empty = array ? value.length === 0 : keys!.length === 0;
    const [open, close] = array ? ['[', ']'] : ['{', '}'];
    if (empty || depth >= SHOWN_DEPTH_MAX) {
      budget.left -= 3;
      return empty ? `${open}${close}` : `${open}…${close}`;
    }
    budget.left -= 2;
    const parts: string[] = [];
    const count = array ? value.length : keys!.length;
    for (let i = 0; i < count; i++) {
      if (budget.left <= 0) {
        parts.push('…');
        break;
      }
      if (array) parts.push(render(value[i], depth + 1, budget));
      else {
        const name = JSON.stringify(cutText(keys![i], 20));
        budget.left -= name.length + 1;
        parts.push(`${name}:${render((value as Record<string, unknown>)[keys![i]], depth + 1, budget)}`);
      }
    }
    return `${open}${parts.join(',')}${close}`;
  }
  let out: string;
  if (typeof value === 'string') out = JSON.stringify(cutText(value, Math.max(8, Math.min(budget.left, SHOWN_VALUE_MAX))));
  else if (typeof value === 'number' || typeof value === 'boolean') out = String(value);
  else if (typeof value === 'bigint') out = `${cutText(String(value), 20)}n`;
  else if (value === null) out = 'null';
  else if (value === undefined) out = 'undefined';
  else if (typeof value === 'function') out = 'a function';
  else if (typeof value === 'symbol') out = cutText(String(value), 20);
  else if (value instanceof Date) out = JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString());
  else out = Object.prototype.toString.call(value);
  budget.left -= out.length;
  return out;
}

/**
 * A received value for an error message, short whatever it is: strings quoted (and cut, with their
 * length), structures as bounded JSON, files by name, type and size. Never throws.
 */
export function describeValue(value: unknown, options: DescribeOptions = {}): string {
  const max = options.max ?? SHOWN_VALUE_MAX;
  if (typeof value === 'string') return quoteString(value, options.quote ?? 'single', max);
  if (typeof File !== 'undefined' && value instanceof File) {
    return `a file ${quoteString(value.name, 'single', max)} (${cutText(value.type, 40) || 'no content type'}, ${value.size} bytes)`;
  }
  try {
    // Cut again: the walk stops once its budget is spent, but the last thing it wrote may overshoot.
    return cutText(render(value, 0, { left: max }), max + 20);
  } catch {
    // A getter that throws, a revoked proxy: name the type rather than fail the answer.
    return Object.prototype.toString.call(value);
  }
}
