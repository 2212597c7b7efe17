/**
 * sora-kit: schemas, rules, model-name grammar and types of the Sora platform API.
 */
export * from './spec/model.js';
export * from './spec/rules.js';
export * from './spec/analysis.js';
export * from './spec/schemas/index.js';
