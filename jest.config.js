/**
 * Jest runs the TypeScript sources as native ES modules (NestJS 12 is ESM-only).
 * Two projects: every suite on the embedded store, and the HTTP end-to-end
 * suites again with the API on EventStoreDB (a gRPC double of the server).
 */
const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // An ES module required by CommonJS (@fastify/static): loaded by Node's own require, see the file.
    '^content-disposition$': '<rootDir>/tests/support/content-disposition.cjs',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
};

export default {
  testTimeout: 30000,
  projects: [
    { ...base, displayName: 'sqlite', testMatch: ['<rootDir>/{apps,libs,tests}/**/*.spec.ts'] },
    { ...base, displayName: 'esdb', testMatch: ['<rootDir>/tests/api/**/*.spec.ts'], setupFiles: ['<rootDir>/tests/support/use-esdb.cjs'] },
  ],
};
