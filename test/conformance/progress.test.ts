/**
 * What a person watching a run sees: on a terminal a status line rewritten in place with the counter,
 * the running checks and each job's progress; in a CI log one line per check and a job only when its
 * status changes.
 */
import { describe, expect, it } from 'vitest';
import { prettyProgress, type CheckResult, type Plan } from '../../src/conformance/index.js';

const plan: Plan = { checks: ['videos.poll', 'videos.create'], skipped: [], generations: [], totals: { images: 0, videos: 1 } };
const result = (id: string): CheckResult => ({ id, group: 'videos', severity: 'must', purpose: 'p', rule: 'r', status: 'passed', message: '', durationMs: 3 });

function drive(tty: boolean): string {
  let out = '';
  const progress = prettyProgress({ write: (t) => void (out += t), tty });
  progress({ type: 'plan', plan });
  progress({ type: 'check-start', id: 'videos.poll' });
  progress({ type: 'check-start', id: 'videos.create' });
  progress({ type: 'job', videoId: 'video_1', label: 'sora_video2 720x1280 10s', status: 'in_progress', progress: 40 });
  progress({ type: 'job', videoId: 'video_1', label: 'sora_video2 720x1280 10s', status: 'in_progress', progress: 70 });
  progress({ type: 'check-end', result: result('videos.create'), index: 1, total: 2 });
  progress({ type: 'job', videoId: 'video_1', label: 'sora_video2 720x1280 10s', status: 'completed', progress: 100 });
  progress({ type: 'check-end', result: result('videos.poll'), index: 2, total: 2 });
  return out;
}

describe('run progress', () => {
  it('on a terminal: a status line with the counter, the running checks and the job progress, rewritten in place', () => {
    const out = drive(true);
    expect(out).toContain('\r\x1b[K  running: videos.poll, videos.create | video_1 in_progress 40%');
    expect(out).toContain('video_1 in_progress 70%');
    expect(out).toMatch(/\x1b\[32m\[1\/2\] ✓ videos\.create \[must\]/);
    expect(out).toContain('\r\x1b[K  [1/2] running: videos.poll');
    expect(out).toMatch(/\x1b\[32m\[2\/2\] ✓ videos\.poll \[must\]/);
  });

  it('in a CI log: one line per check with its place, a job only when its status changes, no control codes', () => {
    const out = drive(false);
    expect(out).not.toMatch(/\x1b|\r/);
    const lines = out.trim().split('\n');
    expect(lines.filter((l) => /^\[\d\/2\] ✓/.test(l))).toEqual(['[1/2] ✓ videos.create [must] (3 ms)', '[2/2] ✓ videos.poll [must] (3 ms)']);
    expect(lines.filter((l) => l.includes('video_1'))).toEqual(['  video sora_video2 720x1280 10s: video_1 in_progress 40%', '  video sora_video2 720x1280 10s: video_1 completed 100%']);
  });
});
