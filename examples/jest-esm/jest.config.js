// ESM test files run as they are (no transform); sora-kit and msw are ESM packages, which Jest loads
// only in its ESM mode (the `test` script starts Node with --experimental-vm-modules).
export default { testEnvironment: 'node', transform: {}, testMatch: ['<rootDir>/test/**/*.test.js'], testTimeout: 30_000 };
