import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EVENTS_FILE } from '#api/infrastructure/data-files';
import { envelopeProblem, toMessage } from '#contracts';
import { type NewEvent, chainEvents } from '#event-store';
import { type LedgerUnderTest, ledgerPerSuite, sqliteOnly } from '../support/ledger-harness.js';
import { pairBody, projectBody } from '../support/fixtures.js';

/** An event as the release before hashes and PledgeRevised v2 wrote it: schema version 1, metadata without writtenAt or hash. */
function oldRelease(type: string, data: unknown, schemaVersion = 1): NewEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion,
    data,
    metadata: { correlationId: 'old-corr', causationId: 'old-cmd', actor: 'operator.old' },
  };
}

const cny = (amount: string) => ({ amount, currency: 'CNY' });
const projectRef = { projectId: 'old-proj', pairId: 'old-pair' };
const { projectId: _p, ...signedV1 } = { ...projectBody('old-proj', 'old-pair', '1000.00'), occasion: null, investor: null };
/** PledgeRevised v1, recorded before revision ids existed: no revisionId at all. */
const revisedV1 = {
  ...projectRef,
  pledged: cny('800.00'),
  previousPledged: cny('1000.00'),
  reason: 'scope reduced',
  revisedOn: '2024-06-01',
};

describe('event versioning: events stored by an older release are upcast on read', () => {
  const ledger = ledgerPerSuite();
  let api: LedgerUnderTest;
  let legacyHead: number;
  beforeAll(async () => {
    api = ledger();
    const stored = api.events.stored;
    const { pairId, ...pair } = pairBody('old-pair');
    await stored.appendToStream(
      'partner-pair-old-pair',
      [oldRelease('PartnerPairRegistered', { pairId, ...pair, parentPairId: null, establishedOn: null })],
      { expectedRevision: 'no_stream' },
    );
    await stored.appendToStream(
      'project-old-proj',
      [
        oldRelease('ProjectSigned', { ...projectRef, ...signedV1 }),
        oldRelease('PledgeRevised', revisedV1),
        oldRelease('FundsDisbursed', { ...projectRef, disbursementId: 'old-t1', amount: cny('300.00'), disbursedOn: '2024-07-01' }),
      ],
      { expectedRevision: 'no_stream' },
    );
    legacyHead = await api.head();
  });

  it('stores them untouched: schema version 1, no revisionId, no hash', async () => {
    const [, revised] = await api.events.stored.readStream('project-old-proj');
    expect(revised).toMatchObject({ type: 'PledgeRevised', schemaVersion: 1, data: revisedV1 });
    expect(revised.data).not.toHaveProperty('revisionId');
    expect(revised.metadata.hash).toBeUndefined();
  });

  it('the projections read them: pledged is the revised pledge', async () => {
    const project = (await api.get(`/projects/old-proj?minPosition=${legacyHead}`)).body;
    expect(project).toMatchObject({ pledged: cny('800.00'), delivered: cny('300.00'), remaining: cny('500.00'), revision: 2 });
    const summary = (await api.get(`/partner-pairs/old-pair/summary?minPosition=${legacyHead}`)).body;
    expect(summary.own).toMatchObject({ pledged: { CNY: '800.00' }, delivered: { CNY: '300.00' } });
  });

  it('as-of answers fold them too, read through the same upcasting store', async () => {
    expect((await api.get('/projects/old-proj?asOf=2024-06-30')).body).toMatchObject({
      pledged: cny('800.00'),
      delivered: cny('0.00'),
      asOf: '2024-06-30',
    });
    expect((await api.get('/projects/old-proj?asOf=2024-05-31')).body).toMatchObject({ pledged: cny('1000.00') });
    expect((await api.get('/partner-pairs/old-pair/summary?asOf=2024-07-01')).body.own).toMatchObject({
      pledged: { CNY: '800.00' },
      delivered: { CNY: '300.00' },
    });
  });

  it('history shows the upcast event and the version it was stored with', async () => {
    const events = (await api.get('/projects/old-proj/history')).body.events;
    expect(
      events.map((e: { type: string; schemaVersion: number; storedSchemaVersion: number }) => [
        e.type,
        e.schemaVersion,
        e.storedSchemaVersion,
      ]),
    ).toEqual([
      ['ProjectSigned', 1, 1],
      ['PledgeRevised', 2, 1],
      ['FundsDisbursed', 1, 1],
    ]);
    expect(events[1].data).toEqual({ ...revisedV1, revisionId: null });
  });

  it("the relay's envelope carries the upcast event, valid by the published v2 schema", async () => {
    // What the relay reads: the app's event store, the same view it subscribes to.
    const revised = (await api.events.readAll({ maxCount: 1000 })).find((event) => event.type === 'PledgeRevised');
    const message = toMessage(revised!, 'commitments.');
    const envelope = JSON.parse(message!.value);
    expect(envelope).toMatchObject({ type: 'PledgeRevised', schemaVersion: 2, data: { ...revisedV1, revisionId: null } });
    expect(message!.headers['schema-version']).toBe('2');
    expect(envelopeProblem(envelope)).toBeNull();
    // The stored form is v1 and is not what a v2 consumer expects: the upcast matters.
    const stored = (await api.events.stored.readAll({ maxCount: 1000 })).find((event) => event.type === 'PledgeRevised');
    expect(envelopeProblem({ ...envelope, data: stored!.data })).toContain('revisionId');
  });

  it('commands decide right on them, and new events chain onto the legacy ones', async () => {
    expect((await api.get('/audit/verify')).body).toMatchObject({ ok: true, streams: 2, events: 4, legacy: 4, legacyUnchained: 4 });
    // Repeating the legacy revision (no revisionId) is recognised as the same revision.
    const repeat = await api.post('/projects/old-proj/pledge-revisions', {
      pledged: cny('800.00'),
      reason: 'scope reduced',
      revisedOn: '2024-06-01',
    });
    expect([repeat.status, repeat.body.outcome, repeat.body.revision]).toEqual([200, 'replayed', 1]);
    // The remaining pledge is the revised one: 800 - 300.
    const over = await api.post('/projects/old-proj/disbursements', {
      disbursementId: 'new-t2',
      amount: cny('500.01'),
      disbursedOn: '2024-08-01',
    });
    expect([over.status, over.body.code]).toEqual([422, 'exceeds-remaining-pledge']);
    const within = await api.post('/projects/old-proj/disbursements', {
      disbursementId: 'new-t2',
      amount: cny('500.00'),
      disbursedOn: '2024-08-01',
    });
    expect([within.status, within.body.revision]).toEqual([201, 3]);
    const revision = await api.post('/projects/old-proj/pledge-revisions', {
      revisionId: 'rev-up',
      pledged: cny('900.00'),
      reason: 'grown',
      revisedOn: '2024-09-01',
    });
    expect(revision.status).toBe(201);

    const events = (await api.get('/projects/old-proj/history')).body.events;
    expect(events[4]).toMatchObject({ type: 'PledgeRevised', schemaVersion: 2, storedSchemaVersion: 2, data: { revisionId: 'rev-up' } });
    expect(events[3].metadata.hash).toMatch(/^[0-9a-f]{64}$/);
    // The project's legacy events are now vouched for by the hashed ones after them; the pair's one is not yet.
    expect((await api.get('/audit/verify')).body).toMatchObject({
      ok: true,
      streams: 2,
      events: 6,
      legacy: 4,
      legacyUnchained: 1,
      firstBreak: null,
    });
  });

  sqliteOnly('(SQLite file) an edit to a legacy event is caught by the first hashed event after it', async () => {
    const db = new Database(join(api.dataDir, EVENTS_FILE));
    db.pragma('busy_timeout = 10000');
    const row = db
      .prepare<[], { position: number; data: string }>(
        "SELECT position, data FROM events WHERE stream_id = 'project-old-proj' AND revision = 1",
      )
      .get()!;
    try {
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(
        JSON.stringify({ ...JSON.parse(row.data), pledged: cny('8000.00') }),
        row.position,
      );
      const report = (await api.get('/audit/verify')).body;
      const firstHashed = (await api.get('/projects/old-proj/history')).body.events[3];
      expect(report.firstBreak).toMatchObject({
        streamId: 'project-old-proj',
        revision: 3,
        eventId: firstHashed.eventId,
        reason: 'hash-mismatch',
      });
    } finally {
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(row.data, row.position);
      db.close();
    }
    expect((await api.get('/audit/verify')).body.ok).toBe(true);
  });
});

describe('event versioning: a version from the future fails loudly', () => {
  const ledger = ledgerPerSuite();

  it('refuses to read it anywhere instead of misreading it; verify still checks its stored form', async () => {
    const api = ledger();
    expect((await api.post('/partner-pairs', pairBody('new-pair'))).status).toBe(201);
    expect((await api.post('/projects', projectBody('future-proj', 'new-pair', '1000.00'))).status).toBe(201);
    // A newer release recorded a FundsDisbursed v3 (hashed, as it would be): this release reads v1 only.
    const stored = api.events.stored;
    const [signed] = await stored.readStream('project-future-proj');
    // The projections (in their own thread) have taken in what came before it: a page that holds the unreadable event
    // fails as a whole, so without this the signing would still be waiting in that page.
    expect(await api.runner.waitFor(signed.position, 5000)).toBe(true);
    const v3 = oldRelease('FundsDisbursed', { ...projectRef, projectId: 'future-proj', tranche: { id: 't1', amount: '1.00' } }, 3);
    await stored.appendToStream('project-future-proj', chainEvents('project-future-proj', 1, signed.metadata.hash!, [v3]), {
      expectedRevision: 0,
    });

    const command = await api.post('/projects/future-proj/jobs', { reportId: 'r1', jobs: 5, reportedOn: '2024-07-01' });
    expect([command.status, command.body.code]).toEqual([500, 'unknown-schema-version']);
    expect(command.body.message).toContain('FundsDisbursed schema version 3 cannot be read');
    const history = await api.get('/projects/future-proj/history');
    expect([history.status, history.body.code]).toEqual([500, 'unknown-schema-version']);
    await expect(api.events.readAll({ maxCount: 100 })).rejects.toThrow('FundsDisbursed schema version 3');

    // The projection stops before it and says why; it does not skip or misapply it.
    for (let i = 0; i < 100 && api.runner.lastError === null; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(api.runner.lastError).toContain('FundsDisbursed schema version 3');
    expect(api.runner.position).toBe(signed.position);
    expect((await api.get('/projects/future-proj')).body.delivered).toEqual(cny('0.00'));

    expect((await api.get('/audit/verify')).body).toMatchObject({ ok: true, events: 3, legacy: 0 });
  });
});
