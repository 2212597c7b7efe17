/**
 * `sora-kit/proxy`: the validating proxy (forwarding, judging through a TrafficJudge, HAR recording)
 * and the session `sora-kit proxy` runs.
 */
export { createValidatingProxy, parseTarget, ProxyUsageError } from './server.js';
export type { ValidatingProxy, ValidatingProxyOptions } from './server.js';
export type { NotJudged, ProxyReport } from './observer.js';
export { mediaLinks, DEFAULT_MAX_BODY_BYTES } from './bodies.js';
export { PROXY_PREFIX } from './endpoints.js';
export { IMPOSSIBLE_ANSWER_CHECK } from './forward.js';
export { createHarFile, type HarFile } from './har-file.js';
export { failing, junit, reportFile, writeReport, type ProxyReportFile } from './report.js';
export { startProxySession, violationLine, DEFAULT_PROXY_PORT, PROXY_DEFAULTS } from './session.js';
export type { JudgeFactory, ProxySession, ProxySessionDeps, ProxySessionIo, ProxySessionOptions } from './session.js';
export type { ObservedExchange, TrafficJudge, Violation } from '../conformance/types.js';
export { readRecordings, RecordingError } from './recordings.js';
