/**
 * `sora-kit/proxy`: the validating proxy (forwarding, judging through a TrafficJudge, HAR recording)
 * and the session `sora-kit proxy` runs.
 */
export { createValidatingProxy, parseTarget, failing, mediaLinks, ProxyUsageError, PROXY_PREFIX, DEFAULT_MAX_BODY_BYTES, IMPOSSIBLE_ANSWER_CHECK } from './server.js';
export type { NotJudged, ProxyReport, ValidatingProxy, ValidatingProxyOptions } from './server.js';
export { createHarFile, type HarFile } from './har-file.js';
export { junit, reportFile, writeReport, type ProxyReportFile } from './report.js';
export { startProxySession, violationLine, DEFAULT_PROXY_PORT, PROXY_DEFAULTS } from './session.js';
export type { JudgeFactory, ProxySession, ProxySessionDeps, ProxySessionIo, ProxySessionOptions } from './session.js';
export type { ObservedExchange, TrafficJudge, Violation } from '../conformance/types.js';
export { readRecordings, RecordingError } from './recordings.js';
