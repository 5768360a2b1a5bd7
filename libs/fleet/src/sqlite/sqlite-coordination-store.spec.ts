import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCoordinationStoreContract } from '../testing/coordination-store.contract.js';
import { describeFleetRosterContract } from '../testing/fleet-roster.contract.js';
import { SqliteCoordinationStore } from './sqlite-coordination-store.js';

const sqliteBacking = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-fleet-'));
  return {
    open: async () => new SqliteCoordinationStore(join(dir, 'fleet.sqlite')),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
};
describeCoordinationStoreContract('SQLite file shared by several connections', sqliteBacking);
describeFleetRosterContract('SQLite file shared by several connections', sqliteBacking);
