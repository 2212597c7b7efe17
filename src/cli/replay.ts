/**
 * `sora-kit serve --replay`: the mock with recordings in front of it. A request that matches a
 * recording gets the recorded answer (src/replay); the rest go to the mock, or with `--replay-strict`
 * (API requests only; the mock's own `/__sora/*` stays the mock's) get a 404 naming the closest
 * recording.
 */
import { isAdminPath } from '../mock/admin-guard.js';
import type { AnswerOptions, SoraMock } from '../mock/types.js';
import { readRecordings } from '../proxy/index.js';
import { createReplayer, type Replayer } from '../replay/index.js';

export interface ReplaySettings {
  path: string;
  strict: boolean;
  speed: number;
}

/** The recordings at `settings.path` as a replayer (throws RecordingError for a missing or malformed file). */
export function loadReplayer(settings: ReplaySettings, basePath: string): Replayer {
  return createReplayer(readRecordings(settings.path), { speed: settings.speed, basePath });
}

/** A mock that answers from the recordings first (`answer`, and `fetch` with it); the rest is the mock's. */
export function replayingMock<A extends boolean>(mock: SoraMock<A>, replayer: Replayer, strict: boolean): SoraMock<A> {
  const answer = async (request: Request, options?: AnswerOptions): Promise<Response> => {
    const recorded = await replayer.answer(request);
    if (recorded) return recorded;
    if (strict && !isAdminPath(new URL(request.url).pathname)) return replayer.notFound(request);
    return mock.answer(request, options);
  };
  return { ...mock, answer, fetch: (request) => answer(request) };
}
