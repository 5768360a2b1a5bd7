import { readFileSync } from 'node:fs';

/**
 * Jest runs the TypeScript sources as native ES modules (NestJS 12 is ESM-only).
 * Two projects: every suite on the embedded store, and the HTTP end-to-end
 * suites again with the API on EventStoreDB (a gRPC double of the server).
 */

/**
 * The project's named imports (package.json "imports": `#domain`, `#event-store/testing`, `#api/*`, …):
 * Node resolves them to the build in dist/ ("default"); TypeScript and the tests use the sources ("types").
 */
function sourceMappings() {
  const { imports } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
  const mappings = {};
  for (const [name, { types }] of Object.entries(imports)) {
    const source = types.replace(/^\.\//, '<rootDir>/').replace(/\.ts$/, '');
    if (name.endsWith('/*')) mappings[`^${name.slice(0, -2)}/(.*)$`] = source.replace('*', '$1');
    else mappings[`^${name}$`] = source;
  }
  return mappings;
}

const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    ...sourceMappings(),
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
