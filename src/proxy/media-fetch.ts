/**
 * The media links an answer carried, fetched by the proxy itself so the judge and the recording have
 * their bytes: a GET of a link the deployment handed out, with the licence only when the link is on
 * the target's own origin. A deployment may hand out any number of links, to hosts that never
 * answer: each link is fetched once per session, at most MAX_LINKS_PER_ANSWER of one answer,
 * MEDIA_FETCH_CONCURRENCY at once and MAX_MEDIA_QUEUE waiting, and `stop()` (the proxy's shutdown)
 * cuts those under way, since no client waits for them. What is not fetched is noted, never judged.
 */
import pLimit from 'p-limit';
import { parseUrl } from '../util/index.js';
import { headerOf, mediaLinks, Tee, type BodyBudget } from './bodies.js';
import type { FinishedExchange, Observer } from './observer.js';

/** Media links remembered as fetched (each is fetched once); beyond, the oldest are forgotten. */
const MAX_FETCHED_LINKS = 10_000;
/** Media links of one answer the proxy fetches; the rest are noted as not judged. */
export const MAX_LINKS_PER_ANSWER = 32;
/** Media fetches under way at once; the others wait their turn. */
export const MEDIA_FETCH_CONCURRENCY = 4;
/** Media fetches waiting their turn; beyond, links are noted as not judged. */
export const MAX_MEDIA_QUEUE = 256;
/** How long one media fetch may take (the proxy's shutdown cuts it sooner). */
export const MEDIA_FETCH_TIMEOUT_MS = 120_000;

/** What the fetcher needs of the proxy (composed in src/proxy/server.ts). */
export interface MediaFetcherContext {
  target: URL;
  /** Most bytes of one body kept (`--max-body-bytes`). */
  limit: number;
  budget: BodyBudget;
  /** Where a finished fetch goes (recorded, judged), and what was not fetched (noted). */
  observer: Pick<Observer, 'observe' | 'skip'>;
  /** A task the proxy's settled() and close() wait for. */
  track(task: Promise<void>): void;
}

export interface MediaFetcher {
  /** An exchange the proxy forwarded: fetch the media links its answer carries, in the background, when it is a success kept whole. */
  fetchLinksOf(answered: FinishedExchange): void;
  /** Cut the fetches under way and skip those waiting. */
  stop(): void;
}

export function createMediaFetcher(ctx: MediaFetcherContext): MediaFetcher {
  const fetched = new Set<string>();
  const turns = pLimit(MEDIA_FETCH_CONCURRENCY);
  const stop = new AbortController();

  /** GET the media links an answer carried, each once per session, a few at a time, for the judge and the recording. */
  function fetchLinksOf({ request, response, truncated }: FinishedExchange): void {
    if (response.status < 200 || response.status >= 300 || truncated) return;
    const links = mediaLinks(response.body, headerOf(response.headers, 'content-type') ?? '');
    const licence = headerOf(request.headers, 'authorization');
    const fresh = links.filter((link) => !fetched.has(link));
    if (fresh.length > MAX_LINKS_PER_ANSWER) {
      ctx.observer.skip(request.method, request.url, `the answer carries ${fresh.length} media links; the first ${MAX_LINKS_PER_ANSWER} are fetched and judged, the other ${fresh.length - MAX_LINKS_PER_ANSWER} are not`);
    }
    for (const link of fresh.slice(0, MAX_LINKS_PER_ANSWER)) {
      fetched.add(link);
      if (fetched.size > MAX_FETCHED_LINKS) fetched.delete(fetched.values().next().value as string);
      const parsed = parseUrl(link);
      if (!parsed) {
        ctx.observer.skip('GET', link, 'media link not judged: it is not a URL (forwarded as the deployment wrote it)');
        continue;
      }
      if (turns.pendingCount >= MAX_MEDIA_QUEUE) {
        ctx.observer.skip('GET', link, `media link not judged: more than ${MAX_MEDIA_QUEUE} media fetches were waiting`);
        continue;
      }
      ctx.track(turns(() => fetchOne(parsed, link, licence)));
    }
  }

  async function fetchOne(parsed: URL, link: string, licence: string | undefined): Promise<void> {
    if (stop.signal.aborted) return ctx.observer.skip('GET', link, 'media link not judged: the proxy shut down before fetching it');
    const started = Date.now();
    const t0 = performance.now();
    const headers: Array<[string, string]> = [['accept', '*/*']];
    if (licence !== undefined && parsed.origin === ctx.target.origin) headers.push(['authorization', licence]);
    const tee = new Tee(ctx.limit, ctx.budget);
    try {
      const response = await fetch(parsed, { headers, signal: AbortSignal.any([stop.signal, AbortSignal.timeout(MEDIA_FETCH_TIMEOUT_MS)]) });
      const t1 = performance.now();
      const reader = response.body?.getReader();
      for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
        tee.push(read.value);
        // fetch undoes the content coding as it reads: stop at the bound, whatever it expands to
        if (tee.truncated) {
          await reader?.cancel();
          break;
        }
      }
      const t2 = performance.now();
      const responseHeaders = [...response.headers] as Array<[string, string]>;
      const body = tee.bytes();
      // fetch has already undone any content coding; the recorded headers say what came
      ctx.observer.observe({
        startedAt: started,
        by: 'proxy',
        request: { method: 'GET', url: link, httpVersion: '1.1', headers, body: new Uint8Array(0) },
        response: { status: response.status, statusText: response.statusText, httpVersion: '1.1', headers: responseHeaders.filter(([n]) => n !== 'content-encoding'), body },
        timings: { send: 0, wait: t1 - t0, receive: t2 - t1 },
        truncated: tee.truncated,
        unjudged: tee.truncated ? tee.whyCut('the media', 'the rest was not read') : undefined,
        release: () => tee.release(),
      });
    } catch (error) {
      tee.release();
      const why = stop.signal.aborted ? 'the proxy shut down while fetching it' : `it could not be fetched (${error instanceof Error ? error.message : String(error)})`;
      ctx.observer.skip('GET', link, `media link not judged: ${why}`);
    }
  }

  return { fetchLinksOf, stop: () => stop.abort() };
}
