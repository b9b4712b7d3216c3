/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // Babel only strips types (pure JavaScript: no platform binaries to install); `tsc --noEmit` type-checks.
  transform: { '^.+\\.(t|j|mj)s$': 'babel-jest' },
  // jose, @noble and @scure (under otplib, also nested in its plugins) ship ES modules only; let Babel turn them into CommonJS for Jest's module loader.
  transformIgnorePatterns: ['^(?!.*/node_modules/(@noble|@scure)/).*/node_modules/(?!(jose|@noble|@scure)/)'],
  setupFiles: ['<rootDir>/tests/support/quietSdk.ts'],
  testTimeout: 30000,
};
