import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { EventStore } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';

/** One generated event: its stream, its revision there, its type and data. */
export interface GeneratedEvent {
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
}

/**
 * A large, valid ledger history, in log order: pairs in a two-level tree (100 provinces,
 * 4 sub-pairs each), projects spread over them, then rounds of tranches, jobs reports,
 * pledge revisions and milestones, interleaved across projects as real activity would be.
 * The events have the shapes the ledger writes, and never break a rule (tranches stay far
 * below each pledge), so the projections accept all of them.
 */
export function* generatedLedger(totalEvents: number, pairs = 500, projects = 10_000): Generator<GeneratedEvent> {
  const revisions = new Int32Array(projects);
  const milestones = ['landed', 'construction-started', 'in-production', 'completed'];
  let written = 0;
  const event = (streamId: string, revision: number, type: string, data: unknown): GeneratedEvent => {
    written++;
    return { streamId, revision, type, data };
  };
  const roots = Math.max(1, Math.floor(pairs / 5));
  for (let p = 0; p < pairs; p++) {
    yield event(`partner-pair-pair-${p}`, 0, 'PartnerPairRegistered', {
      pairId: `pair-${p}`,
      donor: { name: `Donor ${p}`, level: p < roots ? 'province' : 'city' },
      recipient: { name: `Recipient ${p}`, level: p < roots ? 'prefecture' : 'county' },
      programme: 'paired-assistance',
      parentPairId: p < roots ? null : `pair-${p % roots}`,
      establishedOn: null,
    });
  }
  for (let j = 0; j < projects; j++) {
    yield event(`project-project-${j}`, 0, 'ProjectSigned', {
      projectId: `project-${j}`,
      pairId: `pair-${j % pairs}`,
      title: `Generated project ${j}`,
      sector: ['new-materials', 'textiles', 'agriculture', 'energy', 'tourism'][j % 5],
      capitalKind: j % 3 ? 'investment' : 'aid',
      pledged: { amount: '1000000000.00', currency: 'CNY' },
      signedOn: `${2015 + (j % 10)}-03-15`,
      occasion: null,
      investor: null,
    });
  }
  for (let round = 0; written < totalEvents; round++) {
    for (let j = 0; j < projects && written < totalEvents; j++) {
      const revision = ++revisions[j];
      const base = { projectId: `project-${j}`, pairId: `pair-${j % pairs}` };
      const streamId = `project-project-${j}`;
      const year = 2016 + (round % 10);
      if (round < 4 && j % 2 === 0) {
        yield event(streamId, revision, 'MilestoneReached', { ...base, milestone: milestones[round], reachedOn: `${year}-06-01` });
      } else if (round % 10 === 5) {
        yield event(streamId, revision, 'PledgeRevised', {
          ...base,
          revisionId: `rev-${j}-${round}`,
          pledged: { amount: `${1_000_000_000 + round}.00`, currency: 'CNY' },
          previousPledged: { amount: `${1_000_000_000 + (round === 5 ? 0 : round - 10)}.00`, currency: 'CNY' },
          reason: 'generated revision',
          revisedOn: `${year}-09-01`,
        });
      } else if (round % 4 === 3) {
        yield event(streamId, revision, 'JobsRecorded', {
          ...base,
          reportId: `r-${j}-${round}`,
          jobs: 1 + (round % 50),
          reportedOn: `${year}-12-31`,
        });
      } else {
        yield event(streamId, revision, 'FundsDisbursed', {
          ...base,
          disbursementId: `d-${j}-${round}`,
          amount: { amount: '1.25', currency: 'CNY' },
          disbursedOn: `${year}-07-01`,
        });
      }
    }
  }
}

const GENERATED_METADATA = {
  correlationId: 'bench',
  causationId: 'bench',
  actor: 'bench-generator',
  recordedAt: '2026-01-01T00:00:00.000Z',
};

/** Writes `generatedLedger` straight into an events file (fast: no hashing, one transaction per 10,000 events). */
export async function generateLedger(file: string, totalEvents: number, pairs = 500, projects = 10_000): Promise<number> {
  await new SqliteEventStore(file).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream_id, revision, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const metadata = JSON.stringify(GENERATED_METADATA);
  const events = generatedLedger(totalEvents, pairs, projects);
  let written = 0;
  const chunk = db.transaction(() => {
    for (let n = 0; n < 10_000; n++) {
      const next = events.next();
      if (next.done) return false;
      const { streamId, revision, type, data } = next.value;
      insert.run(randomUUID(), streamId, revision, type, 1, JSON.stringify(data), metadata);
      written++;
    }
    return true;
  });
  while (chunk());
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return written;
}

/**
 * Appends `generatedLedger` through the event store port (any adapter, hashed as the ledger writes):
 * each stream's events in one append, streams in the order they first appear (every pair before any
 * project, as in the log order), `concurrency` appends at a time. Returns how many were appended.
 */
export async function appendGeneratedLedger(
  store: EventStore,
  totalEvents: number,
  pairs = 500,
  projects = 10_000,
  concurrency = 8,
): Promise<number> {
  const streams = new Map<string, GeneratedEvent[]>();
  for (const event of generatedLedger(totalEvents, pairs, projects)) {
    const stream = streams.get(event.streamId) ?? [];
    stream.push(event);
    streams.set(event.streamId, stream);
  }
  const append = ([streamId, events]: [string, GeneratedEvent[]]) =>
    store.appendToStream(
      streamId,
      events.map(({ type, data }) => ({ id: randomUUID(), type, schemaVersion: 1, data, metadata: GENERATED_METADATA })),
      { expectedRevision: 'no_stream' },
    );
  const entries = [...streams];
  const pairStreams = entries.filter(([streamId]) => streamId.startsWith('partner-pair-'));
  const projectStreams = entries.filter(([streamId]) => !streamId.startsWith('partner-pair-'));
  // Pairs first: a project's signing must follow its pair's registration in the log.
  for (const group of [pairStreams, projectStreams]) {
    for (let next = 0; next < group.length; next += concurrency) await Promise.all(group.slice(next, next + concurrency).map(append));
  }
  return entries.reduce((sum, [, events]) => sum + events.length, 0);
}
