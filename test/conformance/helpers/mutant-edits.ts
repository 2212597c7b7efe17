/**
 * What the mutant generators share: the mutant's shape, the operation of a proxied request, and the
 * editing of an operation's 200 answers (the JSON body, or every chunk of a stream) at an item's path.
 */
import type { ContractItem } from '../../../src/conformance/contract-items.js';
import { operationOfUrl } from '../../../src/spec/paths.js';
import type { OperationId } from '../../../src/spec/operations.js';
import { dataEvent, eventJson, isStream, jsonBody, sseEvents, withEvents, withJson } from './gateway.js';
import type { Deviation, ProxyRequest } from './proxy.js';

export interface Mutant {
  name: string;
  /** The item it breaks (`GET /videos parameter limit`); legitimate mutants of a whole answer name its operation. */
  item: string;
  broken: boolean;
  /**
   * What it alters: the requests (a parameter) or the answers (a field). An answer mutant that altered
   * nothing in a run met no answer it applies to (a completed job's progress, in a create answer): it
   * is equivalent to the clean mock for that run, and left out of the score (listed apart).
   */
  alters: 'request' | 'answer';
  /** The operations whose checks can see it (the harness runs only those). */
  operations: OperationId[];
  /** Broken: the checks of the coverage matrix for the item, one of which should kill it. */
  expects: readonly string[];
  /** Legitimate: where the contract allows it. */
  allowedBy?: string;
  deviation: () => Deviation;
}

const API = 'http://mutant.invalid/sora/v1';

/** The operation of a proxied request (the judge's matcher, from the operation table). */
export function operationOfRequest(req: ProxyRequest): OperationId | undefined {
  try {
    return operationOfUrl(req.method, `http://mutant.invalid${req.path}`, API)?.id;
  } catch {
    return undefined;
  }
}

/* Walking an answer to an item. */

export type Edit = (parent: Record<string, unknown>, key: string) => void;

/** Apply `edit` at `path` in `value` (`[]` steps into every element); `create` makes missing objects on the way. */
function applyAt(value: unknown, path: readonly string[], edit: Edit, create = false): void {
  if (value === null || typeof value !== 'object') return;
  const [step, ...rest] = path;
  if (step === '[]') {
    if (Array.isArray(value)) for (const element of value) applyAt(element, rest, edit, create);
    return;
  }
  const holder = value as Record<string, unknown>;
  if (rest.length === 0) return edit(holder, step);
  if ((holder[step] === null || holder[step] === undefined) && create && rest[0] !== '[]') holder[step] = {};
  applyAt(holder[step], rest, edit, create);
}

/** Edit the 200 answers of an operation: the JSON body, or every chunk of a stream. */
export function editAnswers(op: OperationId, stream: boolean, edit: (body: any, req: ProxyRequest, index: number) => unknown): Deviation {
  return {
    response: (res, req) => {
      if (res.status !== 200 || operationOfRequest(req) !== op) return res;
      if (stream) {
        if (!isStream(res)) return res;
        let index = 0;
        return withEvents(
          res,
          sseEvents(res).map((event) => {
            const chunk = eventJson(event);
            if (!chunk) return event;
            const edited = edit(chunk, req, index++);
            return dataEvent(edited === undefined ? chunk : edited);
          }),
        );
      }
      if (isStream(res)) return res;
      const body = jsonBody(res);
      if (body === undefined) return res;
      const edited = edit(body, req, 0);
      return withJson(res, edited === undefined ? body : edited);
    },
  };
}

export const fieldDeviation = (item: ContractItem, edit: Edit, create = false): Deviation =>
  editAnswers(item.operationId, item.stream === true, (body) => applyAt(body, item.path, edit, create));

