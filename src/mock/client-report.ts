/**
 * The client report: the journal read as evidence about the CLIENT, not the platform. Each rule of
 * the table below looks at what the client sent, when, and what it had been told (a 429's
 * Retry-After, a job's status in an answer), and a finding says which rule, how often, and one
 * request as the example (secrets masked). Thresholds are the platform's real timings divided by the
 * mock's speed where the client's pace should follow the mock's clock (polling), and fixed where the
 * client is told a number or has nothing to scale by (Retry-After, a backoff).
 */
import { cutText } from '../spec/rules.js';
import { maskSecret } from './mask.js';
import type { JournalEntry } from './types.js';

/** Polling one job more often than this (at speed 1) is too fast. */
export const POLL_INTERVAL_MS = 1000;
/** A retry of a 5xx sooner than this after it is a retry without backoff. */
export const MIN_BACKOFF_MS = 100;
/** The same create twice within this (at speed 1) is a re-create where a re-poll was meant. */
export const DUPLICATE_CREATE_MS = 10_000;

const RULE_TABLE = {
  'polls-too-fast': `polls one job more often than once every ${POLL_INTERVAL_MS} ms (divided by the speed)`,
  'retry-before-retry-after': 'retries a 429 before the seconds its Retry-After asked for',
  'retry-without-backoff': `retries a 5xx within ${MIN_BACKOFF_MS} ms, with no backoff`,
  'polls-after-finished': 'polls a job again after a poll showed it completed or failed',
  'content-before-completion': 'asks for a video\'s content before the job completed',
  'never-fetches-content': 'saw a job completed and never asked for its content',
  'duplicate-create': `creates the same video twice within ${DUPLICATE_CREATE_MS / 1000} s (divided by the speed) after the first was accepted`,
  'licence-in-url': 'sends the licence (or another secret) in the URL, where logs and proxies keep it',
  'refused-request': 'sends requests the platform refuses (one finding per distinct refusal)',
} as const;

export type ClientRule = keyof typeof RULE_TABLE;
export const CLIENT_RULES = Object.keys(RULE_TABLE) as ClientRule[];
export const clientRuleText = (rule: ClientRule): string => RULE_TABLE[rule];

/** The request a finding shows: enough to find it in the journal, with no secret in it. */
export interface ClientExample {
  /** The journal entry's id. */
  id: number;
  method: string;
  path: string;
  status: number;
  code?: string;
}

export interface ClientFinding {
  rule: ClientRule;
  count: number;
  example: ClientExample;
  /** The finding in words: what, how often, against which threshold. */
  detail: string;
}

export interface ClientReport {
  /** How many of the client's requests were judged. */
  requests: number;
  findings: ClientFinding[];
}

export interface ClientReportOptions {
  /** The mock's speed; polling and re-create windows are divided by it. Default 1. */
  speed?: number;
  /** The base path of the API; requests outside it (the mock's own surface) are not the client's API calls. Default /sora/v1. */
  basePath?: string;
  /** Licence keys whose appearance anywhere in a URL is a `licence-in-url` finding. */
  licenses?: readonly string[];
}

/** Query parameters whose name says they carry a secret. */
const SECRET_PARAM = /^(api[-_]?key|key|licen[cs]e|token|access[-_]?token|auth|authorization|bearer)$/i;

const bare = (path: string) => path.split('?', 1)[0];
const isFinished = (status: string | undefined) => status === 'completed' || status === 'failed';

function maskUrl(path: string, licenses: readonly string[]): string {
  const q = path.indexOf('?');
  let masked = path;
  if (q >= 0) {
    const params = new URLSearchParams(path.slice(q + 1));
    const out: string[] = [];
    for (const [name, value] of params) {
      const secret = SECRET_PARAM.test(name) || licenses.includes(value) || /^sk-/.test(value);
      out.push(`${encodeURIComponent(name)}=${secret ? maskSecret(value) : encodeURIComponent(value)}`);
    }
    masked = `${path.slice(0, q)}?${out.join('&')}`;
  }
  for (const key of licenses) if (key) masked = masked.split(key).join(maskSecret(key));
  return cutText(masked, 300);
}

function hasSecretInUrl(path: string, licenses: readonly string[]): boolean {
  if (licenses.some((key) => key !== '' && path.includes(key))) return true;
  const q = path.indexOf('?');
  if (q < 0) return false;
  for (const [name, value] of new URLSearchParams(path.slice(q + 1))) {
    if ((SECRET_PARAM.test(name) && value !== '') || /^sk-/.test(value)) return true;
  }
  return false;
}

/** The body a create sent, as one comparable string (the journal keeps it parsed and bounded). */
function createKey(entry: JournalEntry): string {
  return `${entry.license ?? ''} ${JSON.stringify(entry.request.body ?? null)}`;
}

/** Judge the client from its requests (the journal, oldest first). */
export function judgeClient(journal: readonly JournalEntry[], options: ClientReportOptions = {}): ClientReport {
  const speed = options.speed ?? 1;
  const basePath = options.basePath ?? '/sora/v1';
  const licenses = options.licenses ?? [];
  const entries = journal.filter((e) => e.path === basePath || e.path.startsWith(`${basePath}/`) || e.path.startsWith(`${basePath}?`));
  const found = new Map<string, ClientFinding>();
  const note = (rule: ClientRule, entry: JournalEntry, detail: (count: number) => string, key: string = rule) => {
    const known = found.get(key);
    if (known) {
      known.count++;
      known.detail = detail(known.count);
      return;
    }
    const example: ClientExample = { id: entry.id, method: entry.method, path: maskUrl(entry.path, licenses), status: entry.status };
    if (entry.error?.code) example.code = entry.error.code;
    found.set(key, { rule, count: 1, example, detail: detail(1) });
  };

  const pollMs = POLL_INTERVAL_MS / speed;
  const duplicateMs = DUPLICATE_CREATE_MS / speed;
  /** Per job: the last poll's time and whether a poll has shown it finished. */
  const polls = new Map<string, { at: number; finished: boolean }>();
  /** Jobs the client saw completed, with the entry that showed it, and the jobs whose content it asked for. */
  const completed = new Map<string, JournalEntry>();
  const fetched = new Set<string>();
  /** The last answer per method and path, for judging the next request to it (a retry). */
  const lastAnswer = new Map<string, JournalEntry>();
  const creates: JournalEntry[] = [];

  for (const entry of entries) {
    const route = `${entry.method} ${bare(entry.path)}`;
    const previous = lastAnswer.get(route);
    if (previous && previous.license === entry.license) {
      const gap = entry.startedAt - previous.startedAt;
      if (previous.status === 429 && previous.retryAfter !== undefined && gap < previous.retryAfter * 1000) {
        note('retry-before-retry-after', entry, (n) => `${n} retr${n === 1 ? 'y' : 'ies'} sooner than the Retry-After (${previous.retryAfter} s) of the 429 before it`);
      } else if (previous.status >= 500 && gap < MIN_BACKOFF_MS) {
        note('retry-without-backoff', entry, (n) => `${n} retr${n === 1 ? 'y' : 'ies'} of a ${previous.status} within ${MIN_BACKOFF_MS} ms`);
      }
    }
    lastAnswer.set(route, entry);

    if (hasSecretInUrl(entry.path, licenses)) note('licence-in-url', entry, (n) => `${n} request${n === 1 ? '' : 's'} with a secret in the URL`);

    const job = entry.job;
    if (entry.operation === 'retrieveVideo' && job) {
      const last = polls.get(job.id);
      if (last?.finished) {
        note('polls-after-finished', entry, (n) => `${n} poll${n === 1 ? '' : 's'} of jobs a poll had already shown completed or failed`);
      } else if (last && entry.startedAt - last.at < pollMs) {
        note('polls-too-fast', entry, (n) => `${n} poll${n === 1 ? '' : 's'} less than ${Math.round(pollMs)} ms after the previous poll of the same job`);
      }
      polls.set(job.id, { at: entry.startedAt, finished: (last?.finished ?? false) || (entry.status === 200 && isFinished(job.status)) });
    }
    if (job && entry.status < 300 && job.status === 'completed' && !completed.has(job.id)) completed.set(job.id, entry);
    if (entry.operation === 'retrieveVideoContent' && job) {
      fetched.add(job.id);
      if (job.status !== 'completed') {
        note('content-before-completion', entry, (n) => `${n} content request${n === 1 ? '' : 's'} for jobs not completed`);
        continue;
      }
    }
    if (entry.operation === 'createVideo' && entry.status < 300) {
      const key = createKey(entry);
      if (creates.some((c) => createKey(c) === key && entry.startedAt - c.startedAt < duplicateMs)) {
        note('duplicate-create', entry, (n) => `${n} create${n === 1 ? '' : 's'} of a video already accepted less than ${Math.round(duplicateMs / 100) / 10} s before`);
      }
      creates.push(entry);
    }
    // The client's own mistakes: refusals the mock did not provoke (no scenario, no fault), not 429s.
    if (entry.status >= 400 && entry.status < 500 && entry.status !== 429 && !entry.scenario && !entry.fault) {
      const what = `${entry.status} ${entry.error?.code ?? 'error'}${entry.error?.param ? ` (param ${entry.error.param})` : ''} on ${entry.operation ?? route}`;
      note('refused-request', entry, (n) => `${what}: ${n}×`, `refused-request ${what}`);
    }
  }
  for (const [id, entry] of completed) {
    if (!fetched.has(id)) note('never-fetches-content', entry, (n) => `${n} completed job${n === 1 ? '' : 's'} whose content was never asked for`);
  }
  const order = (f: ClientFinding) => CLIENT_RULES.indexOf(f.rule);
  return { requests: entries.length, findings: [...found.values()].sort((a, b) => order(a) - order(b)) };
}

/** A finding on one line, for terminals and test failures. */
export function findingLine(f: ClientFinding): string {
  const code = f.example.code ? ` ${f.example.code}` : '';
  return `${f.rule} ×${f.count}: ${f.detail} (e.g. #${f.example.id} ${f.example.method} ${cutText(f.example.path, 120)} -> ${f.example.status}${code})`;
}
