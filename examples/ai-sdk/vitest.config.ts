import { defineConfig } from 'vitest/config';

// This example is its own project: it must not pick up the repository's root vitest config.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 } });
