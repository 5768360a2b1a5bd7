import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '#api/project-root';

/**
 * The boundary check (`npm run lint:deps`: dependency-cruiser with .dependency-cruiser.cjs) catches each
 * kind of forbidden import. Each case writes a probe file into the tree, the check runs over the probes
 * with the project's own configuration, and the probes are removed again.
 */
const root = projectRoot();
const DEPCRUISE = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface CruiseResult {
  readonly modules: ReadonlyArray<{ readonly source: string }>;
  readonly summary: { readonly violations: Violation[]; readonly totalCruised: number };
}

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

interface Probe {
  readonly files: Readonly<Record<string, string>>;
  /** The rules the check must name, or none: what the probe does is allowed. */
  readonly rules: readonly string[];
}

const PROBES: Readonly<Record<string, Probe>> = {
  'the domain importing NestJS': {
    files: { 'libs/domain/src/__boundary_probe_nest__.ts': "import '@nestjs/common';" },
    rules: ['domain-is-pure'],
  },
  'the domain importing another lib (even only a type)': {
    files: { 'libs/domain/src/__boundary_probe_lib__.ts': "import type { EventStore } from '#event-store';\nexport type P = EventStore;" },
    rules: ['domain-is-pure'],
  },
  'a domain test helper importing better-sqlite3': {
    files: { 'libs/domain/src/testing/__boundary_probe_sqlite__.ts': "import 'better-sqlite3';" },
    rules: ['domain-tests-use-jest-only'],
  },
  'a domain test helper importing jest (allowed)': {
    files: { 'libs/domain/src/testing/__boundary_probe_jest__.ts': "import '@jest/globals';" },
    rules: [],
  },
  'the relay importing the projections': {
    files: { 'libs/kafka-relay/src/__boundary_probe_projections__.ts': "import '#projections';" },
    rules: ['relay-does-not-reach-projections'],
  },
  'the exports importing the relay': {
    files: { 'libs/exports/src/__boundary_probe_relay__.ts': "import '#kafka-relay';" },
    rules: ['exports-do-not-reach-the-relay'],
  },
  'the relay importing a coordination-store adapter': {
    files: { 'libs/kafka-relay/src/__boundary_probe_fleet__.ts': "import '#fleet/esdb';" },
    rules: ['fleet-users-reach-the-port-not-an-adapter'],
  },
  'the fleet port importing better-sqlite3': {
    files: { 'libs/fleet/src/__boundary_probe_sqlite__.ts': "import 'better-sqlite3';" },
    rules: ['fleet-port-is-adapter-free'],
  },
  'the relay importing the fleet port (allowed)': {
    files: { 'libs/kafka-relay/src/__boundary_probe_port__.ts': "import '#fleet';" },
    rules: [],
  },
  'a projection importing the SQLite event-store adapter': {
    files: { 'libs/projections/src/__boundary_probe_adapter__.ts': "import '#event-store/sqlite';" },
    rules: ['store-users-reach-the-port-not-an-adapter'],
  },
  'the application importing the EventStoreDB client': {
    files: { 'libs/application/src/__boundary_probe_esdb__.ts': "import '@kurrent/kurrentdb-client';" },
    rules: ['store-users-reach-the-port-not-an-adapter'],
  },
  'a projections spec using the SQLite adapter as a real store (allowed)': {
    files: { 'libs/projections/src/__boundary_probe_adapter__.spec.ts': "import '#event-store/sqlite';" },
    rules: [],
  },
  'the event-store port importing better-sqlite3': {
    files: { 'libs/event-store/src/__boundary_probe_port__.ts': "import 'better-sqlite3';" },
    rules: ['event-store-port-is-adapter-free'],
  },
  "a lib's spec importing the test support": {
    files: { 'libs/application/src/__boundary_probe_tests__.spec.ts': "import '#test-support/fixtures';" },
    rules: ['libs-do-not-reach-apps-bench-or-tests'],
  },
  'an app importing the benchmarks': {
    files: { 'apps/api/src/cli/__boundary_probe_bench__.ts': "import '#bench/server-process';" },
    rules: ['apps-do-not-reach-bench-or-tests'],
  },
  'a lib climbing into another lib by a relative path': {
    files: { 'libs/exports/src/__boundary_probe_climb__.ts': "import '../../domain/src/index.js';" },
    rules: ['no-relative-import-across-packages'],
  },
  'an app climbing into a lib by a relative path': {
    files: { 'apps/subscriber/src/__boundary_probe_climb__.ts': "import '../../../libs/contracts/src/index.js';" },
    rules: ['no-relative-import-across-packages'],
  },
  'two libs importing each other': {
    files: {
      'libs/contracts/src/__boundary_probe_cycle__.ts': "import '../../exports/src/__boundary_probe_cycle__.js';",
      'libs/exports/src/__boundary_probe_cycle__.ts': "import '../../contracts/src/__boundary_probe_cycle__.js';",
    },
    rules: ['no-circular-libs', 'no-relative-import-across-packages'],
  },
  'two files of one lib importing each other (allowed: the rule is about libs)': {
    files: {
      'libs/exports/src/__boundary_probe_inner_a__.ts': "import './__boundary_probe_inner_b__.js';",
      'libs/exports/src/__boundary_probe_inner_b__.ts': "import './__boundary_probe_inner_a__.js';",
    },
    rules: [],
  },
};

/** Runs dependency-cruiser with the project's configuration from the given files and folders. */
async function depcruise(paths: readonly string[]): Promise<{ violations: Violation[]; totalCruised: number; cruised: Set<string> }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [DEPCRUISE, ...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
    { cwd: root, maxBuffer: 256 * 1024 * 1024 },
  );
  const { modules, summary } = JSON.parse(stdout) as CruiseResult;
  return { ...summary, cruised: new Set(modules.map((module) => module.source)) };
}

describe('the boundary check (npm run lint:deps)', () => {
  const found = new Map<string, readonly Violation[]>();
  let cruised = new Set<string>();

  beforeAll(async () => {
    const probes = Object.values(PROBES).flatMap((probe) => Object.entries(probe.files));
    try {
      for (const [file, source] of probes) writeFileSync(join(root, file), `${source}\n`);
      const { violations, cruised: seen } = await depcruise(probes.map(([file]) => file));
      cruised = seen;
      for (const [name, probe] of Object.entries(PROBES)) {
        found.set(
          name,
          violations.filter((violation) => violation.from in probe.files),
        );
      }
    } finally {
      for (const [file] of probes) rmSync(join(root, file), { force: true });
    }
  }, 120_000);

  it.each(Object.keys(PROBES))('on %s', (name) => {
    // The probe was read (an allowed import passes because it is allowed, not because it went unseen).
    for (const file of Object.keys(PROBES[name].files)) expect(cruised).toContain(file);
    const rules = [...new Set(found.get(name)!.map((violation) => violation.rule.name))].sort();
    expect(rules).toEqual([...PROBES[name].rules].sort());
  });

  it('passes on the tree as it is', async () => {
    const { violations, totalCruised } = await depcruise(['apps', 'libs', 'bench', 'tests']);
    expect(violations).toEqual([]);
    // It did look: every lib, app, benchmark and test file.
    expect(totalCruised).toBeGreaterThan(200);
  }, 120_000);
});
