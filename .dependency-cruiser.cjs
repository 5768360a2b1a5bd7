/**
 * The boundaries between the project's packages, checked by `npm run lint:deps` (part of `npm test`):
 * dependency-cruiser reads every import of apps/, libs/, bench/ and tests/ and fails on any rule below.
 * tests/architecture/boundaries.spec.ts shows each kind of rule catching a forbidden import.
 *
 * A "package" is one lib (libs/X), one app (apps/X), bench/ or tests/. Packages reach each other by name
 * (package.json "imports": `#domain`, `#event-store`, …), so a path under libs/X/ names the lib X itself.
 */

/**
 * A path inside an npm package. Not anchored at the start: where node_modules is a symbolic link (a git
 * worktree sharing another checkout's), dependency-cruiser reports the real path, e.g. ../main/node_modules/….
 */
const npm = (name) => `(^|/)node_modules/${name}`;

/** Files that only run under jest: specs and the testing/ folders (helpers and doubles for specs). */
const TEST_CODE = ['\\.spec\\.ts$', '/testing/'];

/** The libs that use the event store: they hold a port (`#event-store`) and are handed an adapter by an app. */
const STORE_USERS = '^libs/(application|contracts|exports|kafka-relay|projections|transparency)/';

/** The event-store adapters: the modules behind `#event-store/sqlite` and `#event-store/esdb`, and their clients. */
const STORE_ADAPTERS = ['^libs/event-store/src/(sqlite|esdb)/', npm('@kurrent/')];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-relative-import-across-packages',
      comment:
        "A relative path that climbs out of its lib, app, bench, tests or tools into another ties the two to today's folder layout " +
        'and skips the entry point the other package chose to publish. Import it by its name (package.json "imports": #domain, …).',
      severity: 'error',
      from: { path: '^((?:libs|apps)/[^/]+|bench|tests|tools)/' },
      // A named import is 'local' too (it resolves to a file of this project) but also 'aliased-subpath-import'.
      to: { dependencyTypes: ['local'], dependencyTypesNot: ['aliased-subpath-import'], pathNot: '^$1/' },
    },
    {
      name: 'domain-is-pure',
      comment:
        'The domain (libs/domain) is the rules of the ledger and nothing else: it reaches only its own files and Node built-ins. ' +
        'No framework (NestJS), no storage (better-sqlite3, EventStoreDB), no messaging (kafkajs), no other lib: ' +
        'everything else depends on it, never the other way round.',
      severity: 'error',
      from: { path: '^libs/domain/', pathNot: TEST_CODE },
      to: { pathNot: '^libs/domain/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-tests-use-jest-only',
      comment: "The domain's specs and testing/ helpers may add jest to what the domain itself may use, and nothing else.",
      severity: 'error',
      from: { path: '^libs/domain/.*(\\.spec\\.ts$|/testing/)' },
      to: { pathNot: ['^libs/domain/', npm('(@jest/|jest/)')], dependencyTypesNot: ['core'] },
    },
    {
      name: 'store-users-reach-the-port-not-an-adapter',
      comment:
        'Application, projections, exports, the relay and the contracts work on any event store: they take the port ' +
        '(#event-store: the EventStore interface, hash chain, upcasting, verification) and an app hands them an adapter. ' +
        'Importing #event-store/sqlite or #event-store/esdb would tie them to one store. (Their own SQLite files, the read ' +
        'models and the relay checkpoint, are not the event store: better-sqlite3 stays allowed.) Specs and testing/ ' +
        'helpers may use the SQLite adapter as a real store.',
      severity: 'error',
      from: { path: STORE_USERS, pathNot: TEST_CODE },
      to: { path: STORE_ADAPTERS },
    },
    {
      name: 'event-store-port-is-adapter-free',
      comment:
        'What #event-store exports (its index and the modules beside it, outside sqlite/, esdb/ and testing/) is the port: ' +
        'the rule above only holds if loading the port never loads an adapter, SQLite or EventStoreDB.',
      severity: 'error',
      from: { path: '^libs/event-store/src/', pathNot: ['^libs/event-store/src/(sqlite|esdb)/', ...TEST_CODE] },
      to: { path: [...STORE_ADAPTERS, npm('better-sqlite3/')] },
    },
    {
      name: 'fleet-port-is-adapter-free',
      comment:
        'What #fleet exports (the coordination-store port and the fenced lease) works on any coordination store: ' +
        'loading it never loads an adapter (#fleet/sqlite, #fleet/esdb) or their clients, so the relay that holds a lease ' +
        'is not tied to one store.',
      severity: 'error',
      from: { path: '^libs/fleet/src/', pathNot: ['^libs/fleet/src/(sqlite|esdb)/', ...TEST_CODE] },
      to: { path: ['^libs/fleet/src/(sqlite|esdb)/', npm('@kurrent/'), npm('better-sqlite3/')] },
    },
    {
      name: 'fleet-users-reach-the-port-not-an-adapter',
      comment: 'The libs that hold a lease (the relay) take the #fleet port; the app chooses and opens the adapter.',
      severity: 'error',
      from: { path: STORE_USERS, pathNot: TEST_CODE },
      to: { path: '^libs/fleet/src/(sqlite|esdb)/' },
    },
    {
      name: 'libs-do-not-reach-apps-bench-or-tests',
      comment:
        'The libs are what the apps are built from: a lib importing an app, the benchmarks, the test support or the tools ' +
        '(even from a spec) turns the layering upside down. A test that needs a running app belongs in tests/.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(apps|bench|tests|tools)/' },
    },
    {
      name: 'apps-do-not-reach-bench-or-tests',
      comment:
        'What ships is built from apps/ and libs/: an app that imports the benchmarks, the test support or the tools for a helper ' +
        '(as the contracts CLI once did for projectRoot) drags them into the build it runs from. The helper belongs in the app.',
      severity: 'error',
      from: { path: '^apps/' },
      to: { path: '^(bench|tests|tools)/' },
    },
    {
      name: 'relay-does-not-reach-projections',
      comment:
        'The Kafka relay and the projections are two independent followers of the log: the plumbing they share ' +
        '(the background loop, the stored checkpoint) is #background, so the relay never loads the read models.',
      severity: 'error',
      from: { path: '^libs/kafka-relay/' },
      to: { path: '^libs/projections/' },
    },
    {
      name: 'exports-do-not-reach-the-relay',
      comment:
        'Exports write the published envelope of each event; that envelope is a contract (#contracts), ' +
        'not a detail of the Kafka relay, so an export never loads kafkajs.',
      severity: 'error',
      from: { path: '^libs/exports/' },
      to: { path: '^libs/kafka-relay/' },
    },
    {
      name: 'transparency-stands-alone',
      comment:
        'The Merkle tree is a follower of the log like the projections and the relay, and what the offline verifier ' +
        'is built from: it reaches the event-store port and #background, never the read models, the relay, the exports ' +
        'or the write side, so checking a ledger never loads what is being checked.',
      severity: 'error',
      from: { path: '^libs/transparency/' },
      to: { path: '^libs/(application|exports|kafka-relay|projections)/' },
    },
    {
      name: 'no-circular-libs',
      comment:
        'Libs form a layering (domain at the bottom): a cycle means two libs can only be understood, built and ' +
        'changed together, which is one lib in two folders.',
      severity: 'error',
      from: { path: '^(libs/[^/]+)/' },
      // A cycle that leaves the lib it starts in; cycles between a lib's own files are that lib's business.
      to: { circular: true, via: { pathNot: '^$1/' } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    // `import type` counts too: a type from NestJS in the domain is a dependency on NestJS all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve the named imports (package.json "imports") to their sources, as TypeScript and jest do.
    enhancedResolveOptions: {
      conditionNames: ['types', 'import'],
      extensions: ['.ts', '.js'],
    },
  },
};
