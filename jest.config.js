/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // jose ships ES modules only; let swc turn them into CommonJS for Jest's module loader.
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  setupFiles: ['<rootDir>/tests/support/quietSdk.ts'],
  testTimeout: 30000,
};
