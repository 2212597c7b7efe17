/**
 * The mock's request flow as data: an ordered list of named steps, composed once when the mock is
 * made (CONTRIBUTING.md, "The request flow", says the whole of it in one sentence). A step gets the
 * request's context and `next`, the rest of the flow: it answers by itself (a refusal) or changes what
 * the rest answers (HEAD, CORS, the journal). The route step ends the shared part by handing the
 * request to its route's own steps (for an operation of the table: licence, input, scenario,
 * handler; pipeline.ts), composed the same way.
 *
 * Why not hono's `compose` (the model): its middleware chain is always asynchronous, and the mock's
 * read path (GET /videos/{id} answered from memory) is synchronous from the socket to the Response,
 * which is most of the Node server's speed (bench/server.ts). Here a step returns a Response or a
 * promise of one, and the chain stays synchronous while every step on the way is.
 */
export type Answer = Response | Promise<Response>;

/** One step of a flow: `run` answers the request, by itself or by calling `next` (the rest). */
export interface Step<C> {
  readonly name: string;
  run(ctx: C, next: (ctx: C) => Answer): Answer;
}

/** Told the name of each step as a request enters it (createSoraMock's `onStep`: what a test reads). */
export type StepListener<C> = (name: string, ctx: C) => void;

const END = (): Answer => {
  throw new Error('a flow ran past its last step: the last step must answer');
};

/**
 * The steps as one function, built once: step i's `next` is the composition of the steps after it, a
 * function made here, so running a request allocates nothing for the chain. `last` is the next of the
 * last step (another composed flow), if it has one.
 */
export function compose<C>(steps: readonly Step<C>[], listener?: StepListener<C>, last: (ctx: C) => Answer = END): (ctx: C) => Answer {
  let chain: (ctx: C) => Answer = last;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i];
    const next = chain;
    chain = listener
      ? (ctx) => {
          listener(step.name, ctx);
          return step.run(ctx, next);
        }
      : (ctx) => step.run(ctx, next);
  }
  return chain;
}
