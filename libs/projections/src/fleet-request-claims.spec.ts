import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { claimFleetRequest, readFleetRequestClaim, recordFleetRequestOutcome } from './fleet-request-claims.js';
import { openReadModelDb } from './read-model-db.js';

describe('fleet request claims in the read-models file', () => {
  let dir: string;
  const opened: Database.Database[] = [];
  const open = (name = 'read-models.sqlite') => {
    const db = openReadModelDb(join(dir, name), 1000);
    opened.push(db);
    return db;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-claims-'));
  });
  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a request to the first of the connections sharing a file; the others read its claim and outcome', () => {
    const [one, two, three] = [open(), open(), open()];
    expect(claimFleetRequest(two, 'rebuild', 1, 'b')).toMatchObject({ kind: 'rebuild', generation: 1, claimedBy: 'b', outcome: null });
    expect(claimFleetRequest(one, 'rebuild', 1, 'a')).toMatchObject({ claimedBy: 'b' });
    expect(claimFleetRequest(three, 'rebuild', 1, 'c')).toMatchObject({ claimedBy: 'b' });
    recordFleetRequestOutcome(two, 'rebuild', 1, { rebuildId: 'r-1' });
    expect(readFleetRequestClaim(one, 'rebuild', 1)).toMatchObject({ claimedBy: 'b', outcome: { rebuildId: 'r-1' } });
    // Another generation, another kind: claimed afresh.
    expect(claimFleetRequest(one, 'rebuild', 2, 'a')).toMatchObject({ claimedBy: 'a' });
    expect(claimFleetRequest(three, 'parked-retry', 1, 'c')).toMatchObject({ claimedBy: 'c' });
    expect(readFleetRequestClaim(two, 'parked-retry', 2)).toBeNull();
  });

  it('claims separately in separate files (one DATA_DIR each), and keeps only the last claims of a kind', () => {
    const [mine, theirs] = [open('a.sqlite'), open('b.sqlite')];
    expect(claimFleetRequest(mine, 'rebuild', 1, 'a').claimedBy).toBe('a');
    expect(claimFleetRequest(theirs, 'rebuild', 1, 'b').claimedBy).toBe('b');
    for (let generation = 2; generation <= 30; generation++) claimFleetRequest(mine, 'rebuild', generation, 'a');
    const kept = mine
      .prepare<[], { n: number; first: number }>('SELECT COUNT(*) AS n, MIN(generation) AS first FROM fleet_request_claims')
      .get();
    expect(kept).toEqual({ n: 20, first: 11 });
  });
});
