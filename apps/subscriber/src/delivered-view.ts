import Database from 'better-sqlite3';
import { preparePrivateFile } from '#event-store';
import {
  type DisbursementCorrectedData,
  type FundsDisbursedData,
  type Money,
  correctionDelta,
  formatMinor,
  isCurrencyCode,
  parseMoney,
  yearOf,
} from '#domain';
import type { EventEnvelope } from '#contracts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS processed (event_id TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS delivered (
    pair_id TEXT NOT NULL, year TEXT NOT NULL, currency TEXT NOT NULL, amount_minor TEXT NOT NULL,
    PRIMARY KEY (pair_id, year, currency)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS counts (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS parked (event_id TEXT PRIMARY KEY, type TEXT NOT NULL, reason TEXT NOT NULL, envelope TEXT NOT NULL) STRICT;
`;

export type Outcome = 'applied' | 'duplicate' | 'rejected' | 'parked';

/**
 * The subscriber's own view: capital delivered per partner pair per year,
 * built from FundsDisbursed events and the DisbursementCorrected events that
 * correct them (counted in the original disbursement's year). Each event is applied once: its id is
 * recorded in the same transaction as its effect, so a redelivered event
 * (Kafka delivery is at least once) changes nothing.
 */
export class DeliveredView {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(file: string) {
    preparePrivateFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.statements = {
      markProcessed: this.db.prepare('INSERT OR IGNORE INTO processed (event_id) VALUES (?)'),
      current: this.db.prepare<[string, string, string], { amount_minor: string }>(
        'SELECT amount_minor FROM delivered WHERE pair_id = ? AND year = ? AND currency = ?',
      ),
      upsert: this.db.prepare('INSERT INTO delivered VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET amount_minor = excluded.amount_minor'),
      count: this.db.prepare('INSERT INTO counts VALUES (?, 1) ON CONFLICT DO UPDATE SET value = value + 1'),
      counts: this.db.prepare<[], { name: string; value: number }>('SELECT name, value FROM counts'),
      park: this.db.prepare('INSERT OR REPLACE INTO parked VALUES (?, ?, ?, ?)'),
      parked: this.db.prepare<[], { event_id: string; type: string; reason: string }>(
        'SELECT event_id, type, reason FROM parked ORDER BY rowid DESC LIMIT 20',
      ),
      byPair: this.db.prepare<[string], { year: string; currency: string; amount_minor: string }>(
        'SELECT year, currency, amount_minor FROM delivered WHERE pair_id = ? ORDER BY year, currency',
      ),
    };
  }

  apply(envelope: EventEnvelope): Outcome {
    return this.db.transaction((): Outcome => {
      if (this.statements.markProcessed.run(envelope.eventId).changes === 0) {
        this.statements.count.run('duplicate');
        return 'duplicate';
      }
      if (envelope.type === 'FundsDisbursed') {
        const data = envelope.data as FundsDisbursedData;
        this.addDelivered(data.pairId, data.disbursedOn, parseMoney(data.amount));
      } else if (envelope.type === 'DisbursementCorrected') {
        // The event carries the amount it replaces and the original's date: add the difference in the original's year.
        const data = envelope.data as DisbursementCorrectedData;
        this.addDelivered(data.pairId, data.disbursedOn, correctionDelta(data));
      }
      this.statements.count.run('applied');
      return 'applied';
    })();
  }

  private addDelivered(pairId: string, date: string, amount: Money): void {
    const year = yearOf(date);
    const current = this.statements.current.get(pairId, year, amount.currency);
    this.statements.upsert.run(pairId, year, amount.currency, ((current ? BigInt(current.amount_minor) : 0n) + amount.minor).toString());
  }

  /** Counts a message that is not a ledger envelope at all (not JSON): skipped. */
  reject(): void {
    this.statements.count.run('rejected');
  }

  /**
   * Sets aside an event this view could not apply (an unknown version, or
   * data it cannot read), with the reason, so the consumer moves on and an
   * operator sees it in /status instead of a silent stall.
   */
  park(envelope: { eventId?: unknown; type?: unknown }, reason: string): void {
    this.db.transaction(() => {
      this.statements.park.run(String(envelope.eventId ?? 'unknown'), String(envelope.type ?? 'unknown'), reason, JSON.stringify(envelope));
      this.statements.count.run('parked');
    })();
  }

  counts(): Record<Outcome, number> {
    const counts = { applied: 0, duplicate: 0, rejected: 0, parked: 0 };
    for (const row of this.statements.counts.all()) counts[row.name as Outcome] = row.value;
    return counts;
  }

  parkedEvents(): Array<{ eventId: string; type: string; reason: string }> {
    return this.statements.parked.all().map((row) => ({ eventId: row.event_id, type: row.type, reason: row.reason }));
  }

  deliveredByYear(pairId: string): Array<{ year: string; delivered: Record<string, string> }> {
    const years = new Map<string, Record<string, string>>();
    for (const row of this.statements.byPair.all(pairId)) {
      if (!isCurrencyCode(row.currency)) continue;
      years.set(row.year, { ...(years.get(row.year) ?? {}), [row.currency]: formatMinor(BigInt(row.amount_minor), row.currency) });
    }
    return [...years].map(([year, delivered]) => ({ year, delivered }));
  }

  close(): void {
    this.db.close();
  }
}
