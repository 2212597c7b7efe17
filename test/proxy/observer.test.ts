/**
 * The proxy's observer driven with no socket at all: finished exchanges are handed over directly, as
 * the transport and the media fetcher hand them over, and what it records, judges and reports is read.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ObservedExchange, TrafficJudge, Violation } from '../../src/conformance/exchange.js';
import type { HarFile } from '../../src/proxy/har-file.js';
import { createObserver, MAX_NOT_JUDGED_KEPT, type FinishedExchange, type ObserverOptions } from '../../src/proxy/observer.js';
import type { HarEntry } from '../../src/replay/index.js';
import { importClosure, importsOf } from '../helpers/imports.js';

const TARGET = 'https://sora.example';
const LICENCE = 'Bearer sk-observer-test-licence';

/** A finished exchange of `GET <path>` with a JSON answer. */
function finished(path: string, more: Partial<FinishedExchange> = {}): FinishedExchange {
  return {
    startedAt: Date.UTC(2026, 0, 1),
    by: 'client',
    request: { method: 'GET', url: `${TARGET}${path}`, httpVersion: '1.1', headers: [['Authorization', LICENCE]], body: new Uint8Array(0) },
    response: { status: 200, statusText: 'OK', httpVersion: '1.1', headers: [['Content-Type', 'application/json']], body: new TextEncoder().encode(`{"path":"${path}"}`) },
    timings: { send: 1, wait: 2, receive: 3 },
    ...more,
  };
}

/** A recorder that keeps the entries it was given. */
function memoryRecorder(): HarFile & { list: HarEntry[] } {
  const list: HarEntry[] = [];
  return {
    path: '(memory)',
    list,
    get entries() {
      return list.length;
    },
    append: (entry) => void list.push(entry),
    close() {},
  };
}

const pathOf = (url: string) => new URL(url).pathname;

/** A violation of `check` for the exchange's request. */
const flag = (e: ObservedExchange, check = 'test.seen', severity: Violation['severity'] = 'should'): Violation => ({ check, severity, method: e.request.method, url: e.request.url, message: `saw ${pathOf(e.request.url)}` });

/** Let queued promise callbacks run (no timer: the queue is promises only). */
const drain = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** An observer whose warnings and violations the test reads. */
function observed(options: ObserverOptions = {}) {
  const warnings: string[] = [];
  const reported: Violation[] = [];
  const observer = createObserver({ ...options, onWarning: (w) => warnings.push(w), onViolation: (v) => reported.push(v) });
  return { observer, warnings, reported };
}

describe.concurrent('the observer (no transport)', () => {
  it('judges exchanges one at a time in the order they ended, even when the judge would answer a later one first', async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const calls: string[] = [];
    const seen: ObservedExchange[] = [];
    const judge: TrafficJudge = {
      async observe(e) {
        calls.push(pathOf(e.request.url));
        seen.push(e);
        // The first exchange takes longest: judged side by side, the later ones would report first.
        if (pathOf(e.request.url) === '/a') await gate;
        return [flag(e)];
      },
    };
    const { observer, reported } = observed({ judge });
    for (const path of ['/a', '/b', '/c']) observer.observe(finished(path));
    await drain();
    expect(calls).toEqual(['/a']);
    open();
    await observer.settled();
    expect(calls).toEqual(['/a', '/b', '/c']);
    expect(observer.report().violations.map((v) => pathOf(v.url))).toEqual(['/a', '/b', '/c']);
    expect(reported.map((v) => pathOf(v.url))).toEqual(['/a', '/b', '/c']);
    // The judge reads the request and answer the transport handed over, headers as Fetch holds them.
    expect(seen[0].request.headers.get('authorization')).toBe(LICENCE);
    expect(seen[0].response.headers.get('content-type')).toBe('application/json');
    expect(new TextDecoder().decode(seen[0].response.body)).toBe('{"path":"/a"}');
    expect(observer.recent().map((r) => [r.index, pathOf(r.url), r.ms, r.violations])).toEqual([
      [1, '/a', 6, 1],
      [2, '/b', 6, 1],
      [3, '/c', 6, 1],
    ]);
  });

  it('records each exchange once, as it is handed over: judged, unjudged, one the judge fails on, and with no judge', async () => {
    const recorder = memoryRecorder();
    const judge: TrafficJudge = {
      async observe(e) {
        if (pathOf(e.request.url) === '/fails') throw new Error('boom');
        return [];
      },
    };
    const { observer } = observed({ judge, recorder });
    observer.observe(finished('/judged'));
    observer.observe(finished('/unjudged', { unjudged: 'the answer is over 10 bytes (--max-body-bytes); the client got all 20 bytes', truncated: true }));
    observer.observe(finished('/fails'));
    // Recorded at once, not when the judge gets to it.
    expect(recorder.list.map((e) => pathOf(e.request.url))).toEqual(['/judged', '/unjudged', '/fails']);
    await observer.settled();
    expect(recorder.list.map((e) => pathOf(e.request.url))).toEqual(['/judged', '/unjudged', '/fails']);
    // The HAR entry is the recorder's: the licence redacted, the truncation said, the times added up.
    expect(recorder.list[0].request.headers).toEqual([{ name: 'Authorization', value: '[redacted]' }]);
    expect(recorder.list[1].response.content.comment).toMatch(/truncated/);
    expect(recorder.list[0].time).toBe(6);

    const alone = memoryRecorder();
    const unjudging = observed({ recorder: alone }).observer;
    unjudging.observe(finished('/no-judge'));
    await unjudging.settled();
    expect(alone.list.map((e) => pathOf(e.request.url))).toEqual(['/no-judge']);
    expect(unjudging.report()).toEqual({ exchanges: 1, violations: [] });
  });

  it('a recorder that throws is a warning; the exchange is still judged', async () => {
    const full = () => {
      throw new Error('ENOSPC: no space left on device');
    };
    const recorder: HarFile = { path: '/full/disk.har', entries: 0, append: full, close() {} };
    const { observer, warnings } = observed({ judge: { observe: async (e) => [flag(e)] }, recorder });
    observer.observe(finished('/x'));
    await observer.settled();
    expect(warnings).toEqual([`could not record GET ${TARGET}/x: ENOSPC: no space left on device`]);
    expect(observer.report().violations).toHaveLength(1);
  });

  it('keeps at most maxViolationsKept violations; the rest are counted by severity in notKept, and every one is reported as it comes', async () => {
    const judge: TrafficJudge = {
      async observe(e) {
        return pathOf(e.request.url) === '/a' ? [flag(e, 'test.one', 'must'), flag(e, 'test.two', 'should'), flag(e, 'test.three', 'info')] : [flag(e, 'test.four', 'must')];
      },
    };
    const { observer, reported } = observed({ judge, maxViolationsKept: 2 });
    observer.observe(finished('/a'));
    observer.observe(finished('/b'));
    await observer.settled();
    const report = observer.report();
    expect(report.violations.map((v) => v.check)).toEqual(['test.one', 'test.two']);
    expect(report.notKept).toEqual({ must: 1, should: 0, info: 1 });
    expect(reported.map((v) => v.check)).toEqual(['test.one', 'test.two', 'test.three', 'test.four']);
    expect(observer.recent().map((r) => r.violations)).toEqual([3, 1]);
  });

  it('a judge that throws (at once or later) becomes a warning; the exchanges after it are still judged, and every body is given back', async () => {
    const judge: TrafficJudge = {
      observe(e) {
        if (pathOf(e.request.url) === '/throws') throw new Error('boom at once');
        if (pathOf(e.request.url) === '/rejects') return Promise.reject(new Error('boom later'));
        return Promise.resolve([flag(e)]);
      },
    };
    const released: string[] = [];
    const { observer, warnings } = observed({ judge });
    for (const path of ['/throws', '/rejects', '/fine']) observer.observe(finished(path, { release: () => released.push(path) }));
    await observer.settled();
    expect(warnings).toEqual([`the judge failed on GET ${TARGET}/throws: boom at once`, `the judge failed on GET ${TARGET}/rejects: boom later`]);
    expect(observer.report().violations.map((v) => pathOf(v.url))).toEqual(['/fine']);
    expect(released).toEqual(['/throws', '/rejects', '/fine']);
    expect(observer.report().exchanges).toBe(3);
  });

  it('an unjudged exchange goes to notJudged with its reason, never to the judge, and gives its body back at once', async () => {
    const calls: string[] = [];
    const judge: TrafficJudge = {
      async observe(e) {
        calls.push(pathOf(e.request.url));
        return [flag(e)];
      },
    };
    const released: string[] = [];
    const { observer, warnings } = observed({ judge });
    const reason = 'the answer is over 10 bytes (--max-body-bytes); the client got all 20 bytes';
    observer.observe(finished('/cut', { unjudged: reason, truncated: true, release: () => released.push('/cut') }));
    expect(released).toEqual(['/cut']);
    observer.observe(finished('/whole'));
    await observer.settled();
    expect(calls).toEqual(['/whole']);
    const report = observer.report();
    expect(report.exchanges).toBe(2);
    expect(report.notJudged).toEqual({ count: 1, first: [{ method: 'GET', url: `${TARGET}/cut`, reason }] });
    expect(report.violations.map((v) => pathOf(v.url))).toEqual(['/whole']);
    expect(warnings).toEqual([`GET ${TARGET}/cut: not judged: ${reason}`]);
  });

  it('lists at most MAX_NOT_JUDGED_KEPT of what was not judged, and counts them all', async () => {
    const { observer } = observed({ judge: { observe: async () => [] } });
    for (let i = 0; i < MAX_NOT_JUDGED_KEPT + 5; i++) observer.observe(finished(`/cut/${i}`, { unjudged: 'cut' }));
    await observer.settled();
    const { notJudged } = observer.report();
    expect(notJudged?.count).toBe(MAX_NOT_JUDGED_KEPT + 5);
    expect(notJudged?.first).toHaveLength(MAX_NOT_JUDGED_KEPT);
    expect(notJudged?.first.at(-1)?.url).toBe(`${TARGET}/cut/${MAX_NOT_JUDGED_KEPT - 1}`);
  });

  it("an answer the proxy could not forward is listed and its check reported in turn, after the judge's findings on what ended before it", async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const judge: TrafficJudge = {
      async observe(e) {
        await gate;
        return [flag(e)];
      },
    };
    const { observer } = observed({ judge });
    observer.observe(finished('/slow'));
    observer.notForwarded({ method: 'POST', url: `${TARGET}/bad`, status: 502, ms: 4.4 }, 'proxy.impossible-answer', 'the status 099 is not an HTTP status (100 to 599); the client was answered 502');
    await drain();
    expect(observer.report().violations).toEqual([]);
    open();
    await observer.settled();
    expect(observer.report().violations).toEqual([
      { check: 'test.seen', severity: 'should', method: 'GET', url: `${TARGET}/slow`, message: 'saw /slow' },
      { check: 'proxy.impossible-answer', severity: 'must', method: 'POST', url: `${TARGET}/bad`, message: 'the status 099 is not an HTTP status (100 to 599); the client was answered 502' },
    ]);
    expect(observer.recent().map((r) => [pathOf(r.url), r.status, r.ms, r.violations])).toEqual([
      ['/slow', 200, 6, 1],
      ['/bad', 502, 4, 1],
    ]);
  });
});

describe('what the observer loads', () => {
  const SRC = resolve(import.meta.dirname, '../../src');
  const TRANSPORT = /^node:(http|https|http2|net|tls|dgram)$|^(http|https|http2|net|tls|dgram)$/;
  /** The transport modules a source file loads, directly or through the files it imports (type imports included). */
  const transportOf = (entry: string) =>
    [...importClosure([join(SRC, entry)]).keys()].flatMap((file) => importsOf(readFileSync(file, 'utf8')).filter((s) => TRANSPORT.test(s)).map((s) => `${relative(SRC, file)}: ${s}`));

  it('nothing of node:http, node:https or node:net, transitively', () => {
    expect(transportOf('proxy/observer.ts')).toEqual([]);
  });

  it('the same scan finds them in the transport (it can fail)', () => {
    expect(transportOf('proxy/forward.ts')).toEqual(expect.arrayContaining(['proxy/forward.ts: node:http', 'proxy/forward.ts: node:https', 'proxy/forward.ts: node:net']));
  });
});
