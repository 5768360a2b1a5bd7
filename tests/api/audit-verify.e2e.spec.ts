import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EVENTS_FILE } from '#api/infrastructure/data-files';
import { type LedgerUnderTest, ledgerPerSuite, sqliteOnly } from '../support/ledger-harness.js';
import type { EventRow } from '#event-store/sqlite';
import { scenario } from '../support/scenario.js';

type StoredRow = EventRow;

describe('tamper evidence: GET /audit/verify', () => {
  const ledger = ledgerPerSuite();
  let api: LedgerUnderTest;
  /** How many events are stored (positions are not dense on EventStoreDB). */
  let stored: number;
  beforeAll(async () => {
    api = ledger();
    for (const command of scenario(3, 4)) await api.post(command.path, command.body);
    stored = (await api.events.stored.readAll({ maxCount: 100_000 })).length;
  });

  it('verifies a clean ledger: every event hashed and chained, nothing legacy', async () => {
    const reply = await api.get('/audit/verify');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ok: true,
      streams: 3 + 12,
      events: stored,
      legacy: 0,
      legacyUnchained: 0,
      brokenStreams: 0,
      firstBreak: null,
      // Every signed head holds too (the tree's own checks are in transparency.e2e.spec.ts).
      treeHeads: expect.objectContaining({ ok: true, firstBadHead: null, firstDifference: null }),
    });
    const history = (await api.get('/projects/proj-1-1/history')).body.events;
    for (const event of history) {
      expect(event.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(Date.parse(event.metadata.writtenAt)).toBeLessThanOrEqual(Date.parse(event.recordedAt));
    }
    expect(new Set(history.map((event: { metadata: { hash: string } }) => event.metadata.hash)).size).toBe(history.length);
  });

  it('verifies one stream on its own, and refuses a malformed or unknown stream id', async () => {
    const history = (await api.get('/projects/proj-2-3/history')).body.events;
    expect((await api.get('/audit/verify?streamId=project-proj-2-3')).body).toEqual({
      ok: true,
      streams: 1,
      events: history.length,
      legacy: 0,
      legacyUnchained: 0,
      brokenStreams: 0,
      firstBreak: null,
      treeHeads: null,
    });
    expect((await api.get('/audit/verify?streamId=partner-pair-pair-0')).body).toMatchObject({ ok: true, streams: 1, events: 1 });
    for (const bad of ['%24all', 'proj-2-3', 'project-', 'project-BAD!', 'project-proj-2-3&streamId=project-proj-2-2']) {
      const refused = await api.get(`/audit/verify?streamId=${bad}`);
      expect([bad, refused.status, refused.body.code]).toEqual([bad, 400, 'invalid-request']);
    }
    const unknown = await api.get('/audit/verify?streamId=project-never-signed');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'stream-not-found']);
  });

  it('needs a key (an auditor route)', async () => {
    expect((await api.get('/audit/verify', { authorization: '' })).status).toBe(401);
  });

  // The tampering tests are sqliteOnly: they edit events.sqlite with a second connection, which only the embedded store has
  // (the EventStoreDB double keeps events in its memory, where nothing outside it can reach them, like a real server's log).
  /** Runs `tamper` on events.sqlite (a second connection beside the running API), then puts every row back as it was. */
  async function tampered<T>(tamper: (db: Database.Database, rows: StoredRow[]) => void, check: () => Promise<T>): Promise<T> {
    const db = new Database(join(api.dataDir, EVENTS_FILE));
    db.pragma('busy_timeout = 10000');
    const rows = db.prepare<[], StoredRow>('SELECT * FROM events ORDER BY position').all();
    try {
      tamper(db, rows);
      return await check();
    } finally {
      db.transaction(() => {
        db.prepare('DELETE FROM events').run();
        const insert = db.prepare(
          'INSERT INTO events (position, event_id, stream_id, revision, type, schema_version, data, metadata) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        for (const r of rows) insert.run(r.position, r.event_id, r.stream_id, r.revision, r.type, r.schema_version, r.data, r.metadata);
      })();
      db.close();
    }
  }

  const rowOf = (rows: StoredRow[], stream: string, revision: number): StoredRow => {
    const row = rows.find((r) => r.stream_id === stream && r.revision === revision);
    if (!row) throw new Error(`no event ${stream}@${revision}`);
    return row;
  };

  sqliteOnly('(SQLite file) detects one edited amount, and reports exactly that event as the first break', async () => {
    const report = await tampered(
      (db, rows) => {
        const target = rowOf(rows, 'project-proj-1-2', 1);
        expect(target.type).toBe('FundsDisbursed');
        const data = JSON.parse(target.data);
        data.amount.amount = String(BigInt(data.amount.amount.split('.')[0]) + 1n) + '.' + data.amount.amount.split('.')[1];
        expect(db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), target.position).changes).toBe(1);
      },
      async () => (await api.get('/audit/verify')).body,
    );
    const rows = await storedRows();
    const target = rowOf(rows, 'project-proj-1-2', 1);
    expect(report).toMatchObject({ ok: false, events: stored, brokenStreams: 1 });
    expect(report.firstBreak).toEqual({
      streamId: 'project-proj-1-2',
      revision: 1,
      eventId: target.event_id,
      position: target.position,
      reason: 'hash-mismatch',
      expected: expect.stringMatching(/^[0-9a-f]{64}$/),
      found: JSON.parse(target.metadata).hash,
    });
    expect(report.firstBreak.expected).not.toBe(report.firstBreak.found);
    // Put back, the ledger verifies again: the check is of the content, not of some flag.
    expect((await api.get('/audit/verify')).body.ok).toBe(true);
  });

  sqliteOnly('(SQLite file) detects a deleted event: the next one of its stream does not follow', async () => {
    const report = await tampered(
      (db, rows) => {
        expect(db.prepare('DELETE FROM events WHERE position = ?').run(rowOf(rows, 'project-proj-0-1', 2).position).changes).toBe(1);
      },
      async () => (await api.get('/audit/verify')).body,
    );
    const next = rowOf(await storedRows(), 'project-proj-0-1', 3);
    expect(report).toMatchObject({ ok: false, events: stored - 1, brokenStreams: 1 });
    expect(report.firstBreak).toEqual({
      streamId: 'project-proj-0-1',
      revision: 3,
      eventId: next.event_id,
      position: next.position,
      reason: 'revision-gap',
      expected: 'revision 2',
      found: 'revision 3',
    });
  });

  sqliteOnly('(SQLite file) detects a deleted event whose successors were renumbered to hide the gap', async () => {
    const report = await tampered(
      (db, rows) => {
        const stream = rows.filter((r) => r.stream_id === 'project-proj-0-1');
        db.prepare('DELETE FROM events WHERE position = ?').run(stream[1].position);
        for (const r of stream.slice(2)) db.prepare('UPDATE events SET revision = ? WHERE position = ?').run(r.revision - 1, r.position);
      },
      async () => (await api.get('/audit/verify?streamId=project-proj-0-1')).body,
    );
    expect(report.firstBreak).toMatchObject({ streamId: 'project-proj-0-1', revision: 1, reason: 'hash-mismatch' });
  });

  sqliteOnly('(SQLite file) detects a changed metadata field (who recorded it), and a removed hash', async () => {
    const actor = await tampered(
      (db, rows) => {
        const target = rowOf(rows, 'project-proj-2-0', 0);
        db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(
          JSON.stringify({ ...JSON.parse(target.metadata), actor: 'someone-else' }),
          target.position,
        );
      },
      async () => (await api.get('/audit/verify')).body,
    );
    expect(actor.firstBreak).toMatchObject({ streamId: 'project-proj-2-0', revision: 0, reason: 'hash-mismatch' });

    const unhashed = await tampered(
      (db, rows) => {
        const target = rowOf(rows, 'project-proj-2-0', 1);
        const { hash: _hash, ...metadata } = JSON.parse(target.metadata);
        db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(JSON.stringify(metadata), target.position);
      },
      async () => (await api.get('/audit/verify')).body,
    );
    expect(unhashed.firstBreak).toMatchObject({ streamId: 'project-proj-2-0', revision: 1, reason: 'hash-missing', found: 'none' });
  });

  sqliteOnly(
    '(SQLite file) reports the first break in log order when two streams are broken, and per-stream verify isolates them',
    async () => {
      const reports = await tampered(
        (db, rows) => {
          for (const [stream, revision] of [
            ['project-proj-2-1', 1],
            ['project-proj-0-0', 2],
          ] as const) {
            const target = rowOf(rows, stream, revision);
            db.prepare('UPDATE events SET type = ? WHERE position = ?').run('JobsRecorded', target.position);
          }
        },
        async () => ({
          all: (await api.get('/audit/verify')).body,
          other: (await api.get('/audit/verify?streamId=project-proj-1-0')).body,
          broken: (await api.get('/audit/verify?streamId=project-proj-2-1')).body,
        }),
      );
      const rows = await storedRows();
      const first = [rowOf(rows, 'project-proj-2-1', 1), rowOf(rows, 'project-proj-0-0', 2)].sort((a, b) => a.position - b.position)[0];
      expect(reports.all).toMatchObject({
        ok: false,
        brokenStreams: 2,
        firstBreak: { streamId: first.stream_id, position: first.position },
      });
      expect(reports.other.ok).toBe(true);
      expect(reports.broken).toMatchObject({ ok: false, streams: 1, firstBreak: { streamId: 'project-proj-2-1', revision: 1 } });
    },
  );

  async function storedRows(): Promise<StoredRow[]> {
    const db = new Database(join(api.dataDir, EVENTS_FILE), { readonly: true });
    try {
      return db.prepare<[], StoredRow>('SELECT * FROM events ORDER BY position').all();
    } finally {
      db.close();
    }
  }
});
