import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '#event-store/sqlite';

/**
 * Storage ceilings measured on this machine: better-sqlite3 inserting event
 * rows like the ledger's in batches of 100 per fsynced transaction, and a
 * plain ordered scan of an events table.
 */
export async function rawInsertRate(dir: string, rows = 100_000): Promise<number> {
  const file = join(dir, 'raw-insert.sqlite');
  await new SqliteEventStore(file).close(); // creates the same schema
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream_id, revision, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const metadata = JSON.stringify({
    correlationId: randomUUID(),
    causationId: randomUUID(),
    actor: 'anonymous',
    recordedAt: new Date().toISOString(),
  });
  const batch = db.transaction((start: number) => {
    for (let i = start; i < start + 100; i++) {
      const data = {
        projectId: `p-${i}`,
        pairId: 'pair-1',
        disbursementId: `d-${i}`,
        amount: { amount: '1.25', currency: 'CNY' },
        disbursedOn: '2024-06-01',
      };
      insert.run(randomUUID(), `project-p-${i}`, 0, 'FundsDisbursed', 1, JSON.stringify(data), metadata);
    }
  });
  const started = performance.now();
  for (let start = 0; start < rows; start += 100) batch(start);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return rows / seconds;
}

/**
 * Rows per second of `SELECT * FROM events ORDER BY position`, reading every column: the
 * baseline the rebuild is held to. `arrayRowsPerSecond` is the same scan with rows as arrays
 * (better-sqlite3's raw mode), the way the store reads them since issue 12: reported beside it,
 * so the ratio's gain from reading that way is visible.
 */
export function rawScanRate(file: string): { rows: number; rowsPerSecond: number; arrayRowsPerSecond: number } {
  const db = new Database(file, { readonly: true });
  const scan = (raw: boolean): { rows: number; seconds: number } => {
    const started = performance.now();
    let rows = 0;
    let bytes = 0;
    const statement = db.prepare('SELECT * FROM events ORDER BY position').raw(raw);
    for (const row of statement.iterate() as Iterable<{ data: string } | string[]>) {
      rows++;
      bytes += (Array.isArray(row) ? row[6] : row.data).length;
    }
    if (bytes === 0) throw new Error('empty scan');
    return { rows, seconds: (performance.now() - started) / 1000 };
  };
  const objects = scan(false);
  const arrays = scan(true);
  db.close();
  return { rows: objects.rows, rowsPerSecond: objects.rows / objects.seconds, arrayRowsPerSecond: arrays.rows / arrays.seconds };
}
