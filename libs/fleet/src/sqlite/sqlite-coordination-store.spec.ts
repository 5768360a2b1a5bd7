import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCoordinationStoreContract } from '../testing/coordination-store.contract.js';
import { SqliteCoordinationStore } from './sqlite-coordination-store.js';

describeCoordinationStoreContract('SQLite file shared by several connections', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-fleet-'));
  return {
    open: async () => new SqliteCoordinationStore(join(dir, 'fleet.sqlite')),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
