/**
 * Record and replay: HAR 1.2 as `sora-kit proxy --record` writes it, and the transport-free replayer
 * behind `sora-kit serve --replay` and `createSoraHandlers({ replay })`. No node: imports.
 */
export * from './har.js';
export * from './record.js';
export * from './replayer.js';
export { MERGE_MS, REPLAY_LIMITS, type ReplayLimits } from './recorded-answer.js';
