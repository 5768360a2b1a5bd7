import { join } from 'node:path';
import { RebuildInProgress, openReadModelDb, rebuildReadModels } from '../../../../libs/projections/src/index.js';
import { ConfigError, loadConfig } from '../config.js';
import { READ_MODELS_FILE, openEventStore } from '../infrastructure/ledger-runtime.js';

/**
 * `npm run rebuild`: rebuilds every read model from the event store in
 * DATA_DIR, blue/green. Safe while the API runs: the API keeps answering
 * from the live read models until the rebuilt ones are swapped in.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openEventStore(config);
  const db = openReadModelDb(join(config.dataDir, READ_MODELS_FILE));
  const started = process.hrtime.bigint();
  let lastReport = 0;
  try {
    const result = await rebuildReadModels(store, db, {
      onProgress: ({ position, head, events }) => {
        const now = Date.now();
        if (now - lastReport < 1000) return;
        lastReport = now;
        process.stderr.write(`rebuilding: ${events} events, position ${position} of ${head} (${head ? Math.floor((100 * position) / head) : 100}%)\n`);
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`rebuilt read models from ${result.events} events up to position ${result.position} in ${seconds.toFixed(2)} s`);
    if (result.parked > 0) console.log(`${result.parked} events could not be applied and are parked: see GET /admin/projections`);
  } finally {
    db.close();
    await store.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof RebuildInProgress) {
    console.error(error.message);
    process.exit(3);
  }
  console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
