import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { appendGeneratedLedger, generateLedger } from '#bench/generate-ledger';
import type { RecordedEvent } from '#event-store';
import { CSV_COLUMNS, businessDateOfRecorded, unneutralise } from '#exports';
import { pairBody, projectBody } from '../support/fixtures.js';
import { E2E_STORE, HARNESS_AUTH, LedgerUnderTest, ledgerPerSuite, removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { scenario } from '../support/scenario.js';

/**
 * GET /audit/events against the real API: every event as recorded, as JSON
 * Lines or CSV, filtered by pair (with or without sub-pairs), project,
 * business dates and position; bad parameters refused before anything is
 * streamed. What it is compared with is the event store itself.
 */
describe('GET /audit/events', () => {
  const ledger = ledgerPerSuite();
  let api: LedgerUnderTest;
  let events: RecordedEvent[];

  const TRICKY_TITLE = '=HYPERLINK("http://evil.example","click"), then "quotes", commas';

  beforeAll(async () => {
    api = ledger();
    // pair-0 ← pair-1, pair-2; pair-1 ← pair-3, pair-4; pair-2 ← pair-5
    for (const command of scenario(6, 4)) {
      const reply = await api.post(command.path, command.body);
      expect([200, 201, 422]).toContain(reply.status);
    }
    const correction = { correctionId: 'c1', amount: { amount: '0', currency: 'CNY' }, reason: 'never arrived', correctedOn: '2025-06-30' };
    expect((await api.post('/projects/proj-0-0/disbursements/proj-0-0-t0/corrections', correction)).status).toBe(201);
    expect((await api.post('/partner-pairs', pairBody('tricky', { establishedOn: '2020-01-01' }))).status).toBe(201);
    const signed = await api.post(
      '/projects',
      projectBody('tricky-project', 'tricky', '1234.56', { title: TRICKY_TITLE, signedOn: '2024-02-29' }),
      { 'x-correlation-id': '-starts-with-a-minus' },
    );
    expect(signed.status).toBe(201);
    // Exactly as stored: the export does not upcast.
    events = await api.events.stored.readAll({ maxCount: 100_000 });
    expect(events.length).toBeGreaterThan(100);
  });

  async function exported(
    query: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const reply = await api.get<string>(`/audit/events${query}`, headers);
    return { status: reply.status, headers: reply.headers, text: typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body) };
  }

  function jsonLines(text: string) {
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));
  }

  it('streams the whole history as JSON Lines, each event exactly as stored, up to the head it started at', async () => {
    const reply = await exported('');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(reply.headers.get('content-disposition')).toBe('attachment; filename="ledger-events.jsonl"');
    expect(reply.headers.get('x-ledger-until-position')).toBe(String(events[events.length - 1].position));
    expect(reply.text.endsWith('\n')).toBe(true);
    const lines = jsonLines(reply.text);
    expect(lines).toHaveLength(events.length);
    lines.forEach((line, i) => {
      const event = events[i];
      expect(line).toEqual({
        eventId: event.id,
        type: event.type,
        schemaVersion: event.schemaVersion,
        streamId: event.streamId,
        revision: event.revision,
        position: event.position,
        recordedAt: event.metadata.recordedAt,
        businessDate: businessDateOfRecorded(event),
        data: event.data,
        metadata: event.metadata,
      });
    });
    expect(lines.find((line) => line.type === 'ProjectSigned' && line.data.projectId === 'tricky-project').data.title).toBe(TRICKY_TITLE);
    // A correction is in the history beside what it corrects, dated on the corrected tranche's date.
    const tranche = lines.find((line) => line.type === 'FundsDisbursed' && line.data.disbursementId === 'proj-0-0-t0');
    const correction = lines.find((line) => line.type === 'DisbursementCorrected' && line.data.correctionId === 'c1');
    expect(correction).toMatchObject({
      businessDate: tranche.data.disbursedOn,
      data: { disbursementId: 'proj-0-0-t0', amount: { amount: '0.00', currency: 'CNY' }, correctedOn: '2025-06-30' },
    });
  });

  it('streams CSV (format=csv, or Accept: text/csv) that parses back to the same events, with formulas neutralised', async () => {
    const viaFormat = await exported('?format=csv');
    const viaAccept = await exported('', { accept: 'text/csv' });
    expect(viaFormat.status).toBe(200);
    expect(viaFormat.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(viaFormat.headers.get('content-disposition')).toBe('attachment; filename="ledger-events.csv"');
    expect(viaAccept.headers.get('content-type')).toBe(viaFormat.headers.get('content-type'));
    expect(viaAccept.text).toBe(viaFormat.text);
    expect(viaFormat.text.startsWith(CSV_COLUMNS.join(',') + '\r\n')).toBe(true);

    const rows: string[][] = parse(viaFormat.text, { relax_column_count: false });
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(events.length + 1);
    rows.slice(1).forEach((row, i) => {
      const event = events[i];
      const record = Object.fromEntries(CSV_COLUMNS.map((column, c) => [column, unneutralise(row[c])]));
      const data = event.data as Record<string, any>;
      const money = data.amount ?? (event.type === 'ProjectSigned' || event.type === 'PledgeRevised' ? data.pledged : undefined);
      expect(record).toEqual({
        position: String(event.position),
        recordedAt: event.metadata.recordedAt,
        streamId: event.streamId,
        revision: String(event.revision),
        eventId: event.id,
        type: event.type,
        schemaVersion: String(event.schemaVersion),
        businessDate: businessDateOfRecorded(event) ?? '',
        pairId: data.pairId ?? '',
        projectId: data.projectId ?? '',
        amount: money?.amount ?? '',
        currency: money?.currency ?? '',
        jobs: data.jobs === undefined ? '' : String(data.jobs),
        actor: event.metadata.actor,
        correlationId: event.metadata.correlationId,
        causationId: event.metadata.causationId,
        data: JSON.stringify(event.data),
      });
    });
    // Neutralised in the raw cells: what a spreadsheet sees never starts with a formula character.
    const tricky = rows.find((row) => row[CSV_COLUMNS.indexOf('projectId')] === 'tricky-project')!;
    expect(tricky[CSV_COLUMNS.indexOf('correlationId')]).toBe("'-starts-with-a-minus");
    expect(JSON.parse(tricky[CSV_COLUMNS.indexOf('data')]).title).toBe(TRICKY_TITLE);
    for (const row of rows) for (const cell of row) expect(/^[=+\-@\t\r]/.test(cell) ? cell : 'safe').toBe('safe');
    const corrected = rows.find(
      (row) =>
        row[CSV_COLUMNS.indexOf('type')] === 'DisbursementCorrected' && JSON.parse(row[CSV_COLUMNS.indexOf('data')]).correctionId === 'c1',
    )!;
    expect([corrected[CSV_COLUMNS.indexOf('amount')], corrected[CSV_COLUMNS.indexOf('currency')]]).toEqual(['0.00', 'CNY']);
  });

  it("filters by pair: the pair's registration and its own projects' events, or with includeSubPairs its whole tree", async () => {
    const pairOf = (event: RecordedEvent) => (event.data as { pairId?: string }).pairId;
    const own = jsonLines((await exported('?pairId=pair-1')).text);
    expect(own.map((line) => line.eventId)).toEqual(events.filter((event) => pairOf(event) === 'pair-1').map((event) => event.id));
    expect(own.some((line) => line.type === 'PartnerPairRegistered')).toBe(true);
    expect(own.some((line) => line.type === 'FundsDisbursed')).toBe(true);

    const tree = await exported('?pairId=pair-1&includeSubPairs=true&format=csv');
    expect(tree.headers.get('content-disposition')).toBe('attachment; filename="ledger-events-pair-tree-pair-1.csv"');
    const treeRows: string[][] = parse(tree.text);
    const inTree = new Set(['pair-1', 'pair-3', 'pair-4']);
    expect(treeRows.slice(1).map((row) => row[CSV_COLUMNS.indexOf('eventId')])).toEqual(
      events.filter((event) => inTree.has(pairOf(event) ?? '')).map((event) => event.id),
    );
  });

  it('filters by project, by business dates (inclusive) and after a position', async () => {
    const project = jsonLines((await exported('?projectId=proj-2-1')).text);
    expect(project.map((line) => line.eventId)).toEqual(
      events.filter((event) => event.streamId === 'project-proj-2-1').map((event) => event.id),
    );
    expect(project.length).toBeGreaterThan(3);

    const dated = jsonLines((await exported('?from=2025-01-10&to=2025-03-01')).text);
    const expected = events.filter((event) => {
      const date = businessDateOfRecorded(event);
      return date !== null && date >= '2025-01-10' && date <= '2025-03-01';
    });
    expect(dated.map((line) => line.eventId)).toEqual(expected.map((event) => event.id));
    expect(new Set(dated.map((line) => line.businessDate))).toEqual(new Set(['2025-01-10', '2025-02-10', '2025-03-01']));

    const pairDated = jsonLines((await exported('?pairId=pair-0&from=2025-02-10&to=2025-02-10')).text);
    expect(pairDated.length).toBeGreaterThan(0);
    expect(
      pairDated.every((line) => line.data.pairId === 'pair-0' && line.type === 'FundsDisbursed' && line.data.disbursedOn === '2025-02-10'),
    ).toBe(true);

    const middle = events[Math.floor(events.length / 2)].position;
    const after = await exported(`?afterPosition=${middle}`);
    expect(after.headers.get('content-disposition')).toBe(`attachment; filename="ledger-events-after-${middle}.jsonl"`);
    expect(jsonLines(after.text).map((line) => line.position)).toEqual(
      events.filter((event) => event.position > middle).map((event) => event.position),
    );
  });

  it('refuses bad parameters with 400 before streaming anything, and unknown pairs or projects with 404', async () => {
    const bad: Array<[string, string[]]> = [
      ['?format=xml', ['format']],
      ['?format=csv&format=jsonl', ['format']],
      ['?pairId=Not%20An%20Id', ['pairId']],
      ['?projectId=proj-0-0&pairId=pair-0', ['projectId']],
      ['?includeSubPairs=true', ['includeSubPairs']],
      ['?pairId=pair-0&includeSubPairs=yes', ['includeSubPairs']],
      ['?from=2023-02-29', ['from']],
      ['?from=2024-03-01&to=2024-02-01', ['to']],
      ['?afterPosition=-1', ['afterPosition']],
      ['?pairid=pair-0', ['pairid']],
      ['?format=pdf&from=yesterday&limit=3', ['format', 'from', 'limit']],
    ];
    for (const [query, fields] of bad) {
      const reply = await api.get(`/audit/events${query}`);
      expect([query, reply.status, reply.headers.get('content-type')]).toEqual([query, 400, 'application/json; charset=utf-8']);
      expect([query, reply.body.code]).toEqual([query, 'invalid-request']);
      expect([query, reply.body.fields.map((f: { field: string }) => f.field).sort()]).toEqual([query, [...fields].sort()]);
    }
    expect((await api.get('/audit/events?pairId=no-such-pair')).body).toMatchObject({ statusCode: 404, code: 'pair-not-found' });
    expect((await api.get('/audit/events?projectId=no-such-project&format=csv')).body).toMatchObject({
      statusCode: 404,
      code: 'project-not-found',
    });
  });

  it('exports events exactly as stored: an old schema version stays as written, where history shows it upcast', async () => {
    const meta = { correlationId: 'legacy-import', causationId: 'legacy-import', actor: 'legacy' };
    const signing = {
      projectId: 'legacy',
      pairId: 'pair-0',
      title: 'Legacy',
      sector: 'textiles',
      capitalKind: 'aid',
      pledged: { amount: '100.00', currency: 'CNY' },
      signedOn: '2021-01-01',
      occasion: null,
      investor: null,
    };
    // PledgeRevised as schema version 1 wrote it, before revision ids existed.
    const revisedV1 = {
      projectId: 'legacy',
      pairId: 'pair-0',
      pledged: { amount: '150.00', currency: 'CNY' },
      previousPledged: { amount: '100.00', currency: 'CNY' },
      reason: 'legacy',
      revisedOn: '2021-06-01',
    };
    await api.events.stored.appendToStream('project-legacy', [
      { id: randomUUID(), type: 'ProjectSigned', schemaVersion: 1, data: signing, metadata: meta },
      { id: randomUUID(), type: 'PledgeRevised', schemaVersion: 1, data: revisedV1, metadata: meta },
    ]);
    const exported1 = jsonLines((await exported('?projectId=legacy')).text);
    expect(exported1.map((line) => [line.type, line.schemaVersion, line.data])).toEqual([
      ['ProjectSigned', 1, signing],
      ['PledgeRevised', 1, revisedV1],
    ]);
    const history = (await api.get('/projects/legacy/history')).body.events;
    expect(history[1]).toMatchObject({ schemaVersion: 2, data: { ...revisedV1, revisionId: null } });
  });
});

describe('GET /audit/events on a large ledger', () => {
  afterAll(() => removeDataDirs());

  // On SQLite the history is written straight into the file (fast); on EventStoreDB it is appended through the
  // store port, and the export pages through the adapter's own readAll.
  it('streams every event over many pages in order, and stops reading pages when the client goes away', async () => {
    const dir = tempDataDir();
    const total = 30_000;
    if (E2E_STORE === 'sqlite') await generateLedger(join(dir, 'events.sqlite'), total, 50, 1_000);
    const api = await LedgerUnderTest.start(dir);
    try {
      if (E2E_STORE === 'esdb') {
        // The export reads the store, not the read models: the projection is stopped rather than left to replay 30,000 events meanwhile.
        await api.runner.stop();
        expect(await appendGeneratedLedger(api.events.stored, total, 50, 1_000)).toBe(total);
      }
      const head = await api.head();
      if (E2E_STORE === 'sqlite') expect(await api.runner.waitFor(head, 60_000)).toBe(true);
      const store = api.events.stored;
      const readAll = store.readAll.bind(store);
      let pagesRead = 0;
      // The export's pages (250 events); the status probe behind /metrics and /health reads single events meanwhile.
      store.readAll = (options) => {
        if (options?.maxCount === 250) pagesRead++;
        return readAll(options);
      };

      const response = await fetch(`${api.url.replace('[::1]', '127.0.0.1')}/audit/events`, { headers: HARNESS_AUTH });
      expect(response.status).toBe(200);
      // Every event once, in log order (dense positions on SQLite; increasing, not dense, on EventStoreDB), up to the head.
      let count = 0;
      let previous = 0;
      const outOfOrder: string[] = [];
      let buffered = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const { position } = JSON.parse(line) as { position: number };
          if (position <= previous || (E2E_STORE === 'sqlite' && position !== previous + 1))
            outOfOrder.push(`${previous} then ${position}`);
          previous = position;
          count++;
        }
      }
      expect(buffered).toBe('');
      expect(outOfOrder).toEqual([]);
      expect(count).toBe(total);
      expect(previous).toBe(head);
      // On EventStoreDB the fleet's heartbeat records share $all with the ledger: a page that meets one comes back short
      // (never empty), so a few more pages are read there.
      if (E2E_STORE === 'sqlite') expect(pagesRead).toBe(Math.ceil(total / 250));
      else expect(pagesRead).toBeGreaterThanOrEqual(Math.ceil(total / 250));

      // A client that reads one chunk and hangs up: the export stops, far short of the whole log.
      pagesRead = 0;
      const abort = new AbortController();
      const partial = await fetch(`${api.url.replace('[::1]', '127.0.0.1')}/audit/events`, {
        headers: HARNESS_AUTH,
        signal: abort.signal,
      });
      const reader = partial.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const afterHangUp = pagesRead;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(pagesRead).toBe(afterHangUp);
      expect(afterHangUp).toBeLessThan(Math.ceil(total / 250));
    } finally {
      // After the abort, fetch's pool opens a fresh connection that sends nothing;
      // Node's server.close would wait for it until headersTimeout.
      api.app.getHttpServer().closeAllConnections();
      await api.stop();
    }
  }, 120_000);
});
