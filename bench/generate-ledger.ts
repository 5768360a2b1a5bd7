import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '#event-store/sqlite';

/**
 * Writes a large, valid ledger history straight into an events file: pairs
 * in a two-level tree (100 provinces, 4 sub-pairs each), projects spread
 * over them, then rounds of tranches, jobs reports, pledge revisions and
 * milestones, interleaved across projects as real activity would be. The
 * events have the shapes the ledger writes, and never break a rule (tranches
 * stay far below each pledge), so the projections accept all of them.
 */
export async function generateLedger(file: string, totalEvents: number, pairs = 500, projects = 10_000): Promise<number> {
  await new SqliteEventStore(file).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream_id, revision, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const metadata = JSON.stringify({
    correlationId: 'bench',
    causationId: 'bench',
    actor: 'bench-generator',
    recordedAt: '2026-01-01T00:00:00.000Z',
  });
  const revisions = new Int32Array(projects);
  const milestones = ['landed', 'construction-started', 'in-production', 'completed'];
  let written = 0;
  const write = (streamId: string, revision: number, type: string, data: unknown): void => {
    insert.run(randomUUID(), streamId, revision, type, 1, JSON.stringify(data), metadata);
    written++;
  };
  const roots = Math.max(1, Math.floor(pairs / 5));
  db.transaction(() => {
    for (let p = 0; p < pairs; p++) {
      write(`partner-pair-pair-${p}`, 0, 'PartnerPairRegistered', {
        pairId: `pair-${p}`,
        donor: { name: `Donor ${p}`, level: p < roots ? 'province' : 'city' },
        recipient: { name: `Recipient ${p}`, level: p < roots ? 'prefecture' : 'county' },
        programme: 'paired-assistance',
        parentPairId: p < roots ? null : `pair-${p % roots}`,
        establishedOn: null,
      });
    }
    for (let j = 0; j < projects; j++) {
      write(`project-project-${j}`, 0, 'ProjectSigned', {
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
  })();
  let round = 0;
  while (written < totalEvents) {
    db.transaction(() => {
      for (let j = 0; j < projects && written < totalEvents; j++) {
        const revision = ++revisions[j];
        const base = { projectId: `project-${j}`, pairId: `pair-${j % pairs}` };
        const streamId = `project-project-${j}`;
        const year = 2016 + (round % 10);
        if (round < 4 && j % 2 === 0) {
          write(streamId, revision, 'MilestoneReached', { ...base, milestone: milestones[round], reachedOn: `${year}-06-01` });
        } else if (round % 10 === 5) {
          write(streamId, revision, 'PledgeRevised', {
            ...base,
            revisionId: `rev-${j}-${round}`,
            pledged: { amount: `${1_000_000_000 + round}.00`, currency: 'CNY' },
            previousPledged: { amount: `${1_000_000_000 + (round === 5 ? 0 : round - 10)}.00`, currency: 'CNY' },
            reason: 'generated revision',
            revisedOn: `${year}-09-01`,
          });
        } else if (round % 4 === 3) {
          write(streamId, revision, 'JobsRecorded', {
            ...base,
            reportId: `r-${j}-${round}`,
            jobs: 1 + (round % 50),
            reportedOn: `${year}-12-31`,
          });
        } else {
          write(streamId, revision, 'FundsDisbursed', {
            ...base,
            disbursementId: `d-${j}-${round}`,
            amount: { amount: '1.25', currency: 'CNY' },
            disbursedOn: `${year}-07-01`,
          });
        }
      }
    })();
    round++;
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return written;
}
