import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import type { EventStore, ReadAllOptions } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';
import { exportEvents } from './event-export.js';
import { CSV_COLUMNS } from './event-lines.js';
import { scopeFilter } from './event-scope.js';
import { csvCell, unneutralise } from './csv.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const meta = { correlationId: 'corr', causationId: 'cause', actor: 'tester' };

/** A real SQLite store holding `projects` projects of `tranches` tranches each, under one pair. */
async function storeWith(projects: number, tranches: number): Promise<SqliteEventStore> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-export-'));
  dirs.push(dir);
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await store.appendToStream('partner-pair-p', [
    {
      id: randomUUID(),
      type: 'PartnerPairRegistered',
      schemaVersion: 1,
      metadata: meta,
      data: { pairId: 'p', parentPairId: null, establishedOn: '2020-01-01' },
    },
  ]);
  for (let j = 0; j < projects; j++) {
    const base = { projectId: `j${j}`, pairId: 'p' };
    await store.appendToStream(`project-j${j}`, [
      {
        id: randomUUID(),
        type: 'ProjectSigned',
        schemaVersion: 1,
        metadata: meta,
        data: { ...base, title: `Project ${j}`, pledged: { amount: '1000000.00', currency: 'CNY' }, signedOn: '2024-01-01' },
      },
      ...Array.from({ length: tranches }, (_, t) => ({
        id: randomUUID(),
        type: 'FundsDisbursed',
        schemaVersion: 1,
        metadata: meta,
        data: {
          ...base,
          disbursementId: `j${j}-t${t}`,
          amount: { amount: `${t + 1}.05`, currency: 'CNY' },
          disbursedOn: `2024-0${1 + (t % 9)}-10`,
        },
      })),
    ]);
  }
  return store;
}

/** The store, counting the pages read from it. */
function counting(store: EventStore): EventStore & { pagesRead: number } {
  const counted = Object.create(store) as EventStore & { pagesRead: number };
  counted.pagesRead = 0;
  counted.readAll = (options?: ReadAllOptions) => {
    counted.pagesRead++;
    return store.readAll(options);
  };
  return counted;
}

/** A reader that takes one chunk and then waits until the test lets it take the next. */
class SlowReader extends Writable {
  readonly chunks: string[] = [];
  private readonly waiting: Array<() => void> = [];
  constructor() {
    super({ highWaterMark: 1024, decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString());
    this.waiting.push(done);
  }
  takeNext(): void {
    this.waiting.shift()?.();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('exporting events', () => {
  it('reads the log a page at a time, only as fast as the reader takes them: one page in memory, never the history', async () => {
    const store = counting(await storeWith(100, 9)); // 1,001 events
    const reader = new SlowReader();
    const done = exportEvents(store, reader, { format: 'jsonl', pageSize: 50 });
    for (let taken = 0; taken < 5; taken++) {
      await settle();
      // The page handed to the reader is the only one read ahead of it.
      expect(store.pagesRead).toBe(taken + 1);
      expect(reader.chunks).toHaveLength(taken + 1);
      reader.takeNext();
    }
    const drain = setInterval(() => reader.takeNext(), 1);
    const result = await done;
    clearInterval(drain);
    expect(result).toEqual({ events: 1001, pages: 21, untilPosition: 1001, completed: true });
    const lines = reader.chunks
      .join('')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.position)).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
  });

  it('stops reading when the reader goes away, and when aborted', async () => {
    const store = counting(await storeWith(100, 9));
    const reader = new SlowReader();
    const done = exportEvents(store, reader, { format: 'jsonl', pageSize: 50 });
    await settle();
    reader.destroy();
    expect(await done).toMatchObject({ completed: false, pages: 1 });
    expect(store.pagesRead).toBe(1);

    const abort = new AbortController();
    const sink = new PassThrough({ highWaterMark: 10 });
    sink.resume();
    const aborted = exportEvents(store, sink, {
      format: 'csv',
      pageSize: 50,
      signal: abort.signal,
      onPage: ({ pages }) => pages === 3 && abort.abort(),
    });
    expect(await aborted).toMatchObject({ completed: false, pages: 3 });
  });

  it('rejects when the output fails', async () => {
    const store = await storeWith(3, 2);
    const failing = new Writable({ write: (_chunk, _encoding, done) => done(new Error('disk full')) });
    await expect(exportEvents(store, failing, { format: 'jsonl' })).rejects.toThrow('disk full');
  });

  it('ends at the head it started from, and resumes after a position', async () => {
    const store = await storeWith(10, 2);
    const first = new PassThrough();
    const text = collect(first);
    const result = await exportEvents(store, first, { format: 'jsonl', untilPosition: 12 });
    expect(result.untilPosition).toBe(12);
    expect(
      (await text)
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).position),
    ).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const rest = new PassThrough();
    const restText = collect(rest);
    await exportEvents(store, rest, { format: 'jsonl', afterPosition: 12, pageSize: 4 });
    expect(
      (await restText)
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).position),
    ).toEqual(Array.from({ length: 19 }, (_, i) => i + 13));
  });

  it('writes one JSON Lines record per event, also when a text holds a character other readers take for a line break', async () => {
    const store = await storeWith(1, 0);
    const title = 'line\u2028separator\u2029paragraph\u0085next line';
    await store.appendToStream('project-odd', [
      {
        id: randomUUID(),
        type: 'ProjectSigned',
        schemaVersion: 1,
        metadata: meta,
        data: { projectId: 'odd', pairId: 'p', title, pledged: { amount: '5.00', currency: 'CNY' }, signedOn: '2024-01-01' },
      },
    ]);
    const out = new PassThrough();
    const text = collect(out);
    await exportEvents(store, out, { format: 'jsonl' });
    // Python's str.splitlines() and many editors break lines at U+2028, U+2029 and U+0085 too.
    const lines = (await text).trimEnd().split(/\r\n|[\n\r\u2028\u2029\u0085]/);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]).data.title).toBe(title);
  });

  it('writes CSV that parses back to the same events', async () => {
    const store = await storeWith(4, 3);
    const out = new PassThrough();
    const text = collect(out);
    await exportEvents(store, out, { format: 'csv', pageSize: 5 });
    const rows: string[][] = parse(await text, { relax_column_count: false });
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const events = await store.readAll({ maxCount: 1000 });
    expect(rows.slice(1)).toHaveLength(events.length);
    rows.slice(1).forEach((row, i) => {
      const record = Object.fromEntries(CSV_COLUMNS.map((column, c) => [column, unneutralise(row[c])]));
      expect(record.eventId).toBe(events[i].id);
      expect(Number(record.position)).toBe(events[i].position);
      expect(JSON.parse(record.data)).toEqual(events[i].data);
      if (events[i].type === 'FundsDisbursed') expect(record.amount).toBe((events[i].data as { amount: { amount: string } }).amount.amount);
    });
  });
});

describe('CSV cells', () => {
  it('quote what RFC 4180 needs quoted and neutralise formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell('=SUM(A1:A2)')).toBe("'=SUM(A1:A2)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe('"\'\rx"');
    expect(csvCell('=HYPERLINK("x","y")')).toBe('"\'=HYPERLINK(""x"",""y"")"');
    expect(csvCell(null)).toBe('');
    expect(unneutralise("'=1")).toBe('=1');
    expect(unneutralise("'plain")).toBe("'plain");
  });

  it('give back exactly the text, also one that starts with a quote before a formula character', () => {
    for (const text of ["'=1", "''+x", "'", "'plain", '=1', '-5', "'-5", 'plain', ''])
      expect(unneutralise(csvCell(text).replace(/^"|"$/g, ''))).toBe(text);
    expect(csvCell("'=1")).toBe("''=1");
  });
});

describe('the scope of an export', () => {
  const event = (streamId: string, type: string, data: Record<string, unknown>) => ({
    id: randomUUID(),
    streamId,
    type,
    revision: 0,
    position: 1,
    schemaVersion: 1,
    data,
    metadata: { ...meta, recordedAt: '2024-01-01T00:00:00.000Z' },
  });

  it('follows sub-pairs registered while it streams, before filtering by date', () => {
    const inScope = scopeFilter({ pairIds: ['root'], followSubPairs: true, from: '2024-01-01' });
    expect(
      inScope(event('partner-pair-child', 'PartnerPairRegistered', { pairId: 'child', parentPairId: 'root', establishedOn: '2019-01-01' })),
    ).toBe(false);
    expect(inScope(event('project-x', 'ProjectSigned', { projectId: 'x', pairId: 'child', signedOn: '2024-05-07' }))).toBe(true);
    expect(inScope(event('project-y', 'ProjectSigned', { projectId: 'y', pairId: 'other', signedOn: '2024-05-07' }))).toBe(false);
    const ownOnly = scopeFilter({ pairIds: ['root'] });
    expect(
      ownOnly(event('partner-pair-child', 'PartnerPairRegistered', { pairId: 'child', parentPairId: 'root', establishedOn: null })),
    ).toBe(false);
    expect(ownOnly(event('project-x', 'ProjectSigned', { projectId: 'x', pairId: 'child', signedOn: '2024-05-07' }))).toBe(false);
  });
});

function collect(stream: PassThrough): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}
