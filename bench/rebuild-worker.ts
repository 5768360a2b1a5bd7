import { join } from 'node:path';
import { LEDGER_UPCASTERS } from '#domain';
import { UpcastingEventStore } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';
import { openReadModelDb, rebuildReadModels } from '#projections';
import { rawScanRate } from './raw-limits.js';

/**
 * Runs in its own process so its peak RSS is the rebuild's own:
 *   node rebuild-worker.js <dataDir> rebuild|scan
 * Prints one JSON line.
 */
async function main(): Promise<void> {
  const [dataDir, mode] = process.argv.slice(2);
  const eventsFile = join(dataDir, 'events.sqlite');
  if (mode === 'scan') {
    const scan = rawScanRate(eventsFile);
    console.log(JSON.stringify({ ...scan, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  // As `npm run rebuild` opens it: each event upcast to its type's current schema on the way.
  const store = new UpcastingEventStore(new SqliteEventStore(eventsFile), LEDGER_UPCASTERS);
  const db = openReadModelDb(join(dataDir, 'read-models.sqlite'));
  const started = performance.now();
  const result = await rebuildReadModels(store, db);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  await store.close();
  console.log(
    JSON.stringify({
      events: result.events,
      seconds,
      eventsPerSecond: result.events / seconds,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
