/** The wire shapes of every `/sora/v1` endpoint: zod schemas, their inferred types, and helpers. */
export * from './common.js';
export * from './errors.js';
export * from './chat.js';
export * from './images.js';
export * from './videos.js';
export * from './models.js';
export * from './form.js';
