import { randomUUID } from 'node:crypto';
import { LEDGER_UPCASTERS, parseMoney } from '#domain';
import { type EventStore, UpcastingEventStore } from '#event-store';
import { TemporarySqliteEventStore } from '#event-store/testing';
import { ImportInterrupted, applyImport } from './import-apply.js';
import { ImportLedger } from './import-ledger.js';
import { planImport } from './import-plan.js';
import { type ParsedReport, formatProblem, parseReportCsv } from './report-rows.js';

const HEADER =
  'kind,pairId,parentPairId,projectId,id,corrects,date,amount,jobs,milestone,title,sector,capitalKind,' +
  'donor,donorLevel,recipient,recipientLevel,programme,reason';

function csv(...rows: Array<Record<string, string | undefined>>): string {
  const columns = HEADER.split(',');
  return [HEADER, ...rows.map((row) => columns.map((c) => row[c] ?? '').join(','))].join('\n') + '\n';
}

const pair = (pairId: string, extra: Record<string, string> = {}) => ({
  kind: 'pair',
  pairId,
  donor: `Donor of ${pairId}`,
  donorLevel: 'province',
  recipient: `Recipient of ${pairId}`,
  recipientLevel: 'city',
  programme: 'paired-assistance',
  ...extra,
});
const signing = (projectId: string, amount: string, extra: Record<string, string> = {}) => ({
  kind: 'signing',
  pairId: 'fj',
  projectId,
  title: `Project ${projectId}`,
  sector: 'textiles',
  capitalKind: 'investment',
  amount,
  date: '2024-05-07',
  ...extra,
});
const disbursement = (projectId: string, amount: string, date = '2024-06-01', id = '') => ({
  kind: 'disbursement',
  projectId,
  amount,
  date,
  id,
});

function parsed(text: string): ParsedReport {
  const result = parseReportCsv(text, { defaultCurrency: 'CNY' });
  expect(result.problems.map(formatProblem)).toEqual([]);
  return result;
}

const context = { correlationId: 'seed', commandId: 'seed', actor: 'test' };

describe('planning an import against the ledger', () => {
  let store: EventStore;
  let ledger: ImportLedger;
  beforeEach(async () => {
    // A real SQLite event store (a temporary file), written through the ledger's ordinary write path.
    store = new TemporarySqliteEventStore();
    ledger = new ImportLedger(new UpcastingEventStore(store, LEDGER_UPCASTERS));
    await ledger.registerPartnerPair(
      {
        type: 'RegisterPartnerPair',
        data: {
          pairId: 'fj',
          donor: { name: 'Fujian', level: 'province' },
          recipient: { name: 'Changji', level: 'prefecture' },
          programme: 'paired-assistance',
          parentPairId: null,
          establishedOn: '2020-01-01',
        },
      },
      context,
    );
  });
  afterEach(() => store.close());

  async function plan(text: string) {
    const report = parsed(text);
    return planImport(report.rows, ledger, report.refusedCreations);
  }

  it('decides each row against what the ledger holds and the rows above it, and writes nothing', async () => {
    const head = await store.headPosition();
    const result = await plan(
      csv(
        signing('p1', '1亿'),
        disbursement('p1', '0.6亿'),
        disbursement('p1', '4000万', '2024-07-01'),
        disbursement('p1', '0.01', '2024-08-01'),
      ),
    );
    expect(result.planned.map((p) => [p.row.line, p.outcome])).toEqual([
      [2, 'append'],
      [3, 'append'],
      [4, 'append'],
    ]);
    // The fourth row finds the pledge used up by the two rows above it, as the API would after them.
    expect(result.problems.map(formatProblem)).toEqual([
      'line 5, column amount: disbursing 0.01 CNY would exceed the remaining pledge of 0.00 CNY (exceeds-remaining-pledge)',
    ]);
    expect(await store.headPosition()).toBe(head);
  });

  it("refuses an invisible character in a name, at the parse (the API's rule) and in the domain (for rows built otherwise)", async () => {
    const text = csv(pair('zw', { recipient: 'Changji\u200b' }));
    const atParse = parseReportCsv(text, { defaultCurrency: 'CNY' }).problems.map(formatProblem);
    expect(atParse).toEqual([expect.stringMatching(/^line 2, column recipient: recipient contains U\+200B at character 8/)]);

    const details = {
      pairId: 'zw',
      donor: { name: 'Evil\u202egpj.exe', level: 'province' as const },
      recipient: { name: 'Changji', level: 'city' as const },
      programme: 'paired-assistance' as const,
      parentPairId: null,
      establishedOn: null,
    };
    const row = { line: 2, kind: 'pair' as const, command: { type: 'RegisterPartnerPair' as const, data: details } };
    const result = await planImport([row], ledger);
    expect(result.planned).toEqual([]);
    expect(result.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^line 2, column donor: donor\.name contains U\+202E at character 5, .* \(invisible-characters\)$/),
    ]);
  });

  it('applies the same business rules as the API, and reports every refused row', async () => {
    const result = await plan(
      csv(
        pair('sub', { parentPairId: 'nowhere' }),
        signing('early', '5', { date: '2019-12-31' }),
        signing('p1', '100'),
        disbursement('p1', '10', '2024-05-06'),
        { kind: 'cancellation', projectId: 'p1', date: '2024-06-01', reason: 'withdrew' },
        disbursement('p1', '10', '2024-06-02'),
        { kind: 'pledge-revision', projectId: 'p1', amount: '100', date: '2024-06-03', reason: 'same' },
        disbursement('ghost', '10'),
        signing('p2', '100', { pairId: 'sub' }),
        disbursement('p2', '10'),
      ),
    );
    expect(result.problems.map(formatProblem)).toEqual([
      'line 2, column parentPairId: parent partner pair nowhere is not registered (parent-pair-not-found)',
      'line 3, column date: signing date 2019-12-31 is before the pair was established on 2020-01-01 (signed-before-pair-established)',
      'line 5, column date: disbursement date 2024-05-06 is before the project was signed on 2024-05-07 (dated-before-signing)',
      'line 7: project p1 was cancelled (project-cancelled)',
      'line 8: project p1 was cancelled (project-cancelled)',
      'line 9, column projectId: project ghost has not been signed (project-not-found)',
      'line 10, column pairId: partner pair sub is not registered (its registration on line 2 is refused) (pair-not-found)',
      'line 11, column projectId: project p2 has not been signed (its signing on line 10 is refused) (project-not-found)',
    ]);
    expect(result.planned.map((p) => [p.row.line, p.outcome])).toEqual([
      [4, 'append'],
      [6, 'append'],
    ]);
  });

  it('corrects earlier rows by compensating rows, with the same rules as the API', async () => {
    const result = await plan(
      csv(
        signing('p1', '100'),
        disbursement('p1', '60', '2024-06-01', 't1'),
        { kind: 'disbursement-correction', projectId: 'p1', corrects: 't1', amount: '0', date: '2024-06-10', reason: 'never arrived' },
        // With t1 corrected to nothing, the whole pledge is left again.
        disbursement('p1', '100', '2024-06-11', 't2'),
        {
          kind: 'disbursement-correction',
          projectId: 'p1',
          corrects: 't1',
          amount: '1',
          date: '2024-06-12',
          reason: 'one arrived after all',
        },
        { kind: 'disbursement-correction', projectId: 'p1', corrects: 't9', amount: '1', date: '2024-06-12', reason: 'typo' },
        { kind: 'jobs', projectId: 'p1', id: 'q1', jobs: '10', date: '2024-07-01' },
        { kind: 'jobs-correction', projectId: 'p1', corrects: 'q1', jobs: '0', date: '2024-06-30', reason: 'early' },
      ),
    );
    expect(result.problems.map(formatProblem)).toEqual([
      'line 6, column amount: correcting disbursement t1 from 0.00 to 1.00 CNY ' +
        'would exceed the remaining pledge of 0.00 CNY (exceeds-remaining-pledge)',
      'line 7, column corrects: project p1 has no disbursement t9 (disbursement-not-found)',
      expect.stringMatching(/^line 9, column date: .*\(dated-before-original\)$/),
    ]);
    expect(result.planned.map((p) => p.row.line)).toEqual([2, 3, 4, 5, 8]);
  });

  it('recognises rows the ledger already holds as replays, and an id reused with other figures as a conflict', async () => {
    const text = csv(signing('p1', '1亿'), disbursement('p1', '1510万', '2024-06-01', 't1'), disbursement('p1', '20万'));
    const first = await plan(text);
    await applyImport(ledger, first.planned, { correlationId: randomUUID(), actor: 'cli-import' });
    const again = await plan(text);
    expect(again.problems).toEqual([]);
    expect(again.planned.map((p) => p.outcome)).toEqual(['replay', 'replay', 'replay']);

    const changed = await plan(csv(signing('p1', '2亿'), disbursement('p1', '1511万', '2024-06-01', 't1')));
    expect(changed.problems.map(formatProblem)).toEqual([
      'line 2: project p1 is already signed with different details (project-already-signed)',
      'line 3, column id: disbursement t1 was already recorded with different content (disbursement-id-reused)',
    ]);
  });
});

describe('appending a planned import', () => {
  let store: EventStore;
  let ledger: ImportLedger;
  beforeEach(() => {
    store = new TemporarySqliteEventStore();
    ledger = new ImportLedger(new UpcastingEventStore(store, LEDGER_UPCASTERS));
  });
  afterEach(() => store.close());

  const text = csv(
    pair('fj'),
    pair('sub', { parentPairId: 'fj' }),
    ...['a', 'b', 'c'].flatMap((p) => [
      signing(p, '1亿', { pairId: 'sub' }),
      ...Array.from({ length: 20 }, (_, i) => disbursement(p, `${i + 1}万`, `2024-06-${String(i + 1).padStart(2, '0')}`)),
      { kind: 'jobs', projectId: p, jobs: '120', date: '2024-07-01' },
      { kind: 'milestone', projectId: p, milestone: 'completed', date: '2024-12-31' },
    ]),
  );

  async function planned(source = text) {
    const report = parsed(source);
    const result = await planImport(report.rows, ledger);
    expect(result.problems).toEqual([]);
    return result.planned;
  }

  it('appends every row through the ledger, each project in file order, with the run’s actor and correlation id', async () => {
    const correlationId = randomUUID();
    const applied = await applyImport(ledger, await planned(), { correlationId, actor: 'cli-import', concurrency: 4 });
    expect(applied).toEqual({ appended: 2 + 3 * 23, replayed: 0 });
    const events = await store.readAll();
    expect(events).toHaveLength(2 + 3 * 23);
    expect(new Set(events.map((e) => `${e.metadata.actor} ${e.metadata.correlationId}`))).toEqual(new Set([`cli-import ${correlationId}`]));
    for (const project of ['a', 'b', 'c']) {
      const stream = events.filter((e) => e.streamId === `project-${project}`);
      expect(stream.map((e) => e.type)).toEqual(['ProjectSigned', ...Array(20).fill('FundsDisbursed'), 'JobsRecorded', 'MilestoneReached']);
      expect(stream.slice(1, 21).map((e) => (e.data as { disbursedOn: string }).disbursedOn)).toEqual(
        Array.from({ length: 20 }, (_, i) => `2024-06-${String(i + 1).padStart(2, '0')}`),
      );
      const delivered = stream.slice(1, 21).reduce((sum, e) => sum + parseMoney((e.data as { amount: unknown }).amount).minor, 0n);
      // 1万 + 2万 + … + 20万 = 210万, exactly.
      expect(delivered).toBe(210n * 10_000n * 100n);
    }
  });

  it('after an interruption, planning the same file again finds the rows already appended and appends only the rest', async () => {
    const all = await planned();
    // As if the process died after the pairs and the first 30 project rows were stored.
    await applyImport(ledger, all.slice(0, 32), { correlationId: randomUUID(), actor: 'cli-import' });
    const resumed = await planned();
    expect(resumed.filter((p) => p.outcome === 'replay')).toHaveLength(32);
    const applied = await applyImport(
      ledger,
      resumed.filter((p) => p.outcome === 'append'),
      { correlationId: randomUUID(), actor: 'cli-import' },
    );
    expect(applied.appended).toBe(all.length - 32);
    expect(await store.headPosition()).toBe(all.length);
    expect((await planned()).every((p) => p.outcome === 'replay')).toBe(true);
  });

  it('stops at a row the ledger refuses when it changed after planning, and runs no later row of that project', async () => {
    const plan = await planned(
      csv(pair('fj'), signing('p1', '100'), disbursement('p1', '60'), disbursement('p1', '30', '2024-06-02'), {
        kind: 'jobs',
        projectId: 'p1',
        jobs: '5',
        date: '2024-07-01',
      }),
    );
    await applyImport(ledger, plan.slice(0, 2), { correlationId: 'first', actor: 'cli-import' });
    // Someone else disburses through the API in between: the first tranche no longer fits.
    await ledger.executeProjectCommand(
      {
        type: 'DisburseFunds',
        data: { projectId: 'p1', disbursementId: 'api', amount: parseMoney({ amount: '50', currency: 'CNY' }), disbursedOn: '2024-06-01' },
      },
      context,
    );
    const error = await applyImport(ledger, plan.slice(2), { correlationId: 'second', actor: 'cli-import' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ImportInterrupted);
    expect((error as ImportInterrupted).line).toBe(4);
    expect((error as ImportInterrupted).message).toContain('exceed the remaining pledge');
    expect((error as ImportInterrupted).applied).toEqual({ appended: 0, replayed: 0 });
    expect((await store.readStream('project-p1')).map((e) => e.type)).toEqual(['ProjectSigned', 'FundsDisbursed']);
  });
});
