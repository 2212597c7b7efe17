/**
 * The OpenAI-style error envelope and the one mapping from zod issues to it. The mock answers every
 * 400 through `zodIssueToError`, so the wording of validation errors is decided here and only here.
 */
import { z } from 'zod';
import { cutText, describeValue } from '../describe.js';

export const ErrorObject = z
  .object({
    message: z.string().meta({ description: 'Names the parameter, the value received and what is accepted.' }),
    type: z.string().meta({ examples: ['invalid_request_error', 'authentication_error', 'rate_limit_error'] }),
    param: z.string().nullable().meta({ description: "Dotted path of the offending parameter, e.g. 'messages.0.content'." }),
    code: z.string().nullable().meta({ examples: ['invalid_value', 'missing_required_parameter', 'invalid_model'] }),
  })
  .meta({ id: 'Error' });

export const ErrorEnvelope = z
  .object({ error: ErrorObject })
  .meta({
    id: 'ErrorResponse',
    examples: [
      {
        error: {
          message: "Invalid value for 'size': received \"big\"; expected a size 'WxH' with positive integers W and H, e.g. '1024x1536'.",
          type: 'invalid_request_error',
          param: 'size',
          code: 'invalid_value',
        },
      },
    ],
  });

export type ErrorObject = z.infer<typeof ErrorObject>;
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

export interface ErrorOptions {
  type?: string;
  param?: string | null;
  code?: string | null;
}

export function errorEnvelope(message: string, options: ErrorOptions = {}): ErrorEnvelope {
  return {
    error: {
      message,
      type: options.type ?? 'invalid_request_error',
      param: options.param ?? null,
      code: options.code ?? null,
    },
  };
}

type Issue = z.core.$ZodIssue;
type Path = ReadonlyArray<PropertyKey>;

function valueAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof File !== 'undefined' && value instanceof File) return 'file';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'non-integer number';
  return typeof value;
}

/** The value as the client sent it, short enough for a message (the one describer, JSON quoting). */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  return describeValue(value, { quote: 'json' });
}

const TYPE_PHRASES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  file: 'a file upload (multipart/form-data)',
  null: 'null',
};

/** zod's built-in messages start like this; ours are "what is accepted" phrases (see common.ts). */
function isDefaultMessage(message: string): boolean {
  return /^(Invalid|Too (small|big)|Unrecognized|Expected)/.test(message);
}

function acceptedPhrase(issue: Issue): string {
  if (!isDefaultMessage(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_PHRASES[issue.expected] ?? issue.expected;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const relation = issue.code === 'too_small' ? 'at least' : 'at most';
      const unit = issue.origin === 'array' || issue.origin === 'set' ? ' items' : issue.origin === 'string' ? ' characters' : '';
      return `${relation} ${String(bound)}${unit}`;
    }
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return `one of ${(issue.options as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return issue.message;
    default:
      return issue.message;
  }
}

interface Located {
  issue: Issue;
  path: PropertyKey[];
  /** For a union that failed on the value itself (no branch got inside it): what the union accepts. */
  unionAccepted?: string;
  /** Whether every branch of that union failed on the value's type (rather than its value). */
  unionTypeMismatch?: boolean;
}

/**
 * The issue a client most needs to see. For a union, the branch that got furthest into the value is
 * what the client meant (an array of parts with a bad url, not "should have been a string"), so its
 * deepest issue is reported; when no branch got inside the value, the union's own message, or else
 * the phrases of its branches, say what is accepted.
 */
function locate(issues: readonly Issue[], prefix: PropertyKey[]): Located | undefined {
  const issue = issues[0];
  if (!issue) return undefined;
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path };
  const branches = issue.errors
    .map((branch) => locate(branch, path))
    .filter((b): b is Located => b !== undefined);
  const deeper = branches.filter((b) => b.path.length > path.length);
  if (deeper.length > 0) {
    return deeper.reduce((best, b) => (b.path.length > best.path.length ? b : best));
  }
  // A branch that took the value's type and refused only its value (a string over its length
  // limit) is what the client meant, rather than the branches that wanted another type.
  const typed = branches.filter((b) => b.issue.code !== 'invalid_type');
  if (typed.length === 1 && branches.length > 1) return typed[0];
  const unionAccepted = isDefaultMessage(issue.message)
    ? [...new Set(branches.map((b) => acceptedPhrase(b.issue)))].join(' or ')
    : issue.message;
  const unionTypeMismatch = branches.every((b) => b.issue.code === 'invalid_type');
  return { issue, path, unionAccepted, unionTypeMismatch };
}

function paramOf(path: readonly PropertyKey[]): string | null {
  return path.length === 0 ? null : path.map(String).join('.');
}

/**
 * One OpenAI-style error for a failed validation: `param` is the dotted path, the message names the
 * parameter, the value received (truncated) and what is accepted; `type` is `invalid_request_error`;
 * `code` is one of `missing_required_parameter`, `invalid_type`, `invalid_value`, `unknown_parameter`
 * or the code a refinement set (`invalid_model`).
 */
export function zodIssueToError(issues: readonly Issue[], received: unknown): ErrorEnvelope {
  const located = locate(issues, []);
  if (!located) return errorEnvelope('Invalid request.', { code: 'invalid_value' });
  const { issue, path } = located;
  const param = paramOf(path);
  const name = param === null ? 'the request body' : `'${param}'`;
  const value = valueAt(received, path);
  const accepted = located.unionAccepted ?? acceptedPhrase(issue);

  // Refinements that set a code (the model grammar) carry a complete sentence naming value and choices.
  if (issue.code === 'custom' && typeof issue.params?.code === 'string') {
    return errorEnvelope(`Invalid value for ${name}: ${issue.message}`, { param, code: issue.params.code });
  }
  if (issue.code === 'unrecognized_keys') {
    // Keys are the client's: each is cut, and only the first few are listed.
    const shown = issue.keys.slice(0, 5).map((k) => `'${cutText(k)}'`);
    const keys = issue.keys.length > 5 ? `${shown.join(', ')} and ${issue.keys.length - 5} more` : shown.join(', ');
    const first = paramOf([...path, cutText(issue.keys[0] ?? '')]);
    return errorEnvelope(`Unrecognized parameter${issue.keys.length > 1 ? 's' : ''} ${keys} in ${name}.`, {
      param: first,
      code: 'unknown_parameter',
    });
  }
  if (value === undefined) {
    return errorEnvelope(`Missing required parameter: ${name}; expected ${accepted}.`, {
      param,
      code: 'missing_required_parameter',
    });
  }
  if (issue.code === 'invalid_type' || located.unionTypeMismatch) {
    return errorEnvelope(
      `Invalid type for ${name}: received ${kindOf(value)} ${describeReceived(value)}; expected ${accepted}.`,
      { param, code: 'invalid_type' },
    );
  }
  return errorEnvelope(`Invalid value for ${name}: received ${describeReceived(value)}; expected ${accepted}.`, {
    param,
    code: 'invalid_value',
  });
}
