/**
 * sora-kit/conformance: check any deployment of the Sora platform API against sora-kit's schemas,
 * rules and media inspection. Never imports the mock: it judges only what comes over HTTP.
 */
export { runConformance, ConformanceSession, normalizeBaseUrl, isLoopback, resolveRunOptions, RUN_DEFAULTS } from './runner.js';
export { BASE_PATH, FEATURES } from '../spec/operations.js';
export { CATALOGUE } from './catalogue/index.js';
export { selectChecks, computePlan, describePlan, summarisePlan } from './plan.js';
export { ConformanceClient, TransportError, describeExchange, retryAfterMs, type Exchange, type RequestSpec, type SseResult } from './client.js';
export { readChatStream, type ChatStream } from './client.js';
export type { Check, CheckContext } from './check.js';
export { formatJson } from './reporters/json.js';
export { formatJunit, escapeXml } from './reporters/junit.js';
export { formatPretty, prettyProgress, type PrettyOptions } from './reporters/pretty.js';
export { formatHtml, mediaDirFor, escapeHtml, type HtmlReport, type HtmlReportFile, type HtmlReportOptions } from './reporters/html.js';
export { curlOf, curlFiles, shellQuote, shellQuoteWithLicense, headerVariable, LICENSE_VARIABLE } from './curl.js';
export * from './types.js';
export { createTrafficJudge, type TrafficJudgeOptions } from './traffic-judge.js';
export { JUDGMENTS, JudgeMemory, judgeWithRegistry } from './registry.js';
export { JUDGMENT_CHECKS, type JudgmentCheckId } from './judgment-checks.js';
export { refusalsOf, isRefusalAnswer, type Refusal } from './refusals.js';
export { VideoLives } from './judge.js';
export { fieldsOf, type JudgedExchange, type Finding } from './exchange.js';
export { operationOfUrl, matchOperation } from '../spec/paths.js';
export { findLinks } from './media-rules.js';
export { COVERAGE, coverageRows, formatCoverage, uncoveredItems, judgedOf, type CoverageRow, type Judged } from './coverage.js';
export { contractItems, itemKey, type ContractItem } from './contract-items.js';
