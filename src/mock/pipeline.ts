/**
 * The steps of each operation of the table (spec/operations.ts), the end of the request flow
 * (flow.ts; CONTRIBUTING.md, "The request flow"). Prism runs the same steps once in
 * `packages/core/src/factory.ts`; here a handler is the last step, not the whole.
 */
import type { z } from 'zod';
import { OPERATIONS, type OperationDef, type OperationId } from '../spec/operations.js';
import { authorize } from './auth.js';
import { chooseReadScenario, chooseScenario, readRequestBody, type RequestContext } from './context.js';
import { READ_SCENARIOS } from './faults.js';
import { rejectByScenario } from './outcomes.js';
import { compose, type Step, type StepListener } from './flow.js';
import type { Router } from './router.js';
import type { ScenarioName } from './types.js';
import { validate } from './validate.js';
import { andThen, type MaybePromise } from './jobs.js';

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
type Def<K extends OperationId> = (typeof OPERATIONS)[K];

/** What the pipeline hands an operation's handler: its input, parsed and validated. */
export interface OperationInput<K extends OperationId> {
  params: Def<K> extends { params: infer P } ? Out<P> : Record<string, never>;
  query: Def<K> extends { query: infer Q } ? Out<Q> : undefined;
  body: Def<K> extends { body: { json: infer J } } ? Out<J> : Def<K> extends { body: { form: infer F } } ? Out<F> : undefined;
  /** The scenario chosen for this request (already answered when it ends the request before any work). */
  scenario: ScenarioName | undefined;
}

export interface OperationHandler<K extends OperationId> {
  /** For generations: what scenario rules and faults match against (the prompt, the model name). */
  subject?: (ctx: RequestContext, input: Omit<OperationInput<K>, 'scenario'>) => MaybePromise<{ prompt: string; model: string }>;
  handle: (ctx: RequestContext, input: OperationInput<K>) => Promise<Response> | Response;
}

export type OperationHandlers = { [K in OperationId]: OperationHandler<K> };

async function bodyOf(ctx: RequestContext, body: NonNullable<OperationDef['body']>): Promise<unknown> {
  const accept = [...(body.json ? (['json'] as const) : []), ...(body.form ? (['form'] as const) : [])];
  const parsed = await readRequestBody(ctx, { maxBytes: ctx.options.maxBodyBytes, accept });
  if (parsed.kind === 'json') return validate(body.json as z.ZodType, parsed.value);
  return validate(body.form as z.ZodType, body.fromForm ? body.fromForm(parsed.form) : Object.fromEntries(parsed.form));
}

/**
 * An operation's own steps, after the flow's shared ones (flow.ts): licence (401/403) -> input (path,
 * query, body: read within the limit, parsed, validated by zod into domain values) -> scenario
 * (header, run-time faults, rules) -> the handler, which gets the parsed input and never reads or
 * validates anything itself. Synchronous up to the handler when the operation takes no body (every
 * read): a GET answered from memory costs no promise turn.
 */
function operationSteps<K extends OperationId>(id: K, handler: OperationHandler<K>): Step<RequestContext>[] {
  const op: OperationDef = OPERATIONS[id];
  const queryOf = op.queryFromParams ?? ((p: URLSearchParams) => Object.fromEntries(p));
  type Parsed = Omit<OperationInput<K>, 'scenario'>;
  return [
    {
      name: 'licence',
      run(ctx, next) {
        // The licence travels with the request: handlers scope what they read and create to it.
        ctx.license = authorize(ctx.request, ctx.options.licenses, op.feature);
        return next(ctx);
      },
    },
    {
      name: 'input',
      run(ctx, next) {
        const params = op.params ? validate(op.params, (ctx.match as NonNullable<RequestContext['match']>).params) : {};
        const query = op.query ? validate(op.query, queryOf(ctx.url.searchParams)) : undefined;
        if (!op.body) {
          ctx.input = { params, query, body: undefined };
          return next(ctx);
        }
        return bodyOf(ctx, op.body).then((body) => {
          ctx.input = { params, query, body };
          return next(ctx);
        });
      },
    },
    {
      name: 'scenario',
      run(ctx, next) {
        const input = ctx.input as Parsed;
        const go = (scenario: ScenarioName | undefined) => {
          ctx.input = { params: input.params, query: input.query, body: input.body, scenario };
          return next(ctx);
        };
        if (op.work === 'generation') {
          // A remix's subject is its source's model: a store lookup (a promise with a shared store).
          return andThen(handler.subject?.(ctx, input) ?? { prompt: '', model: '' }, (subject) =>
            andThen(chooseScenario(ctx, subject.prompt, subject.model), (scenario) => {
              ctx.scenario = scenario;
              rejectByScenario(scenario);
              return go(scenario);
            }),
          );
        }
        // Reads start no work: only the scenarios that answer before any work mean something there.
        return andThen(chooseReadScenario(ctx), (scenario) => {
          if (scenario && READ_SCENARIOS.includes(scenario)) {
            ctx.scenario = scenario;
            rejectByScenario(scenario);
          }
          return go(scenario);
        });
      },
    },
    { name: 'handler', run: (ctx) => handler.handle(ctx, ctx.input as OperationInput<K>) },
  ];
}

/** Every operation of the table on `router`, under `basePath`, through its own steps. */
export function mountOperations(router: Router<RequestContext>, basePath: string, handlers: OperationHandlers, listener?: StepListener<RequestContext>): void {
  for (const id of Object.keys(OPERATIONS) as OperationId[]) {
    const op = OPERATIONS[id];
    const run = compose(operationSteps(id, handlers[id] as OperationHandler<typeof id>), listener);
    router.on(op.method, `${basePath}${op.path}`, run, id);
  }
}
