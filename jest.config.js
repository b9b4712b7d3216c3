/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // Babel only strips types (pure JavaScript: no platform binaries to install); `tsc --noEmit` type-checks.
  transform: { '^.+\\.(t|j|mj)s$': 'babel-jest' },
  // jose, @noble and @scure (under otplib, also nested in its plugins), and music-metadata with its
  // tokenizer packages ship ES modules only; let Babel turn them into CommonJS for Jest's module loader.
  transformIgnorePatterns: [
    '^(?!.*/node_modules/(@noble|@scure)/).*/node_modules/(?!(jose|@noble|@scure|music-metadata|strtok3|token-types|file-type|@tokenizer/inflate|uint8array-extras|@borewit/text-codec|win-guid|media-typer)/)',
  ],
  // music-metadata and file-type export only `import`/`module-sync` entry points, which Jest's `require` does not match.
  moduleNameMapper: {
    '^music-metadata$': '<rootDir>/node_modules/music-metadata/lib/index.js',
    '^file-type$': '<rootDir>/node_modules/file-type/index.js',
  },
  setupFiles: ['<rootDir>/tests/support/quietSdk.ts'],
  // Each run's workers get PostgreSQL databases of their own, dropped when the run ends (README, "Tests").
  globalSetup: '<rootDir>/tests/support/globalSetup.ts',
  globalTeardown: '<rootDir>/tests/support/globalTeardown.ts',
  testTimeout: 30000,
  // Jest's default on 2 cores is 1 worker; much of a file's time is spent waiting (timers, PostgreSQL, a browser), so two overlap those waits.
  maxWorkers: 2,
};
