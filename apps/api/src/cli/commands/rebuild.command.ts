import { join } from 'node:path';
import { openReadModelDb, rebuildReadModels } from '../../../../../libs/projections/src/index.js';
import { READ_MODELS_FILE } from '../../infrastructure/ledger-runtime.js';
import { defineCommand } from '../cli.js';

/**
 * `npm run cli -- rebuild` (and `npm run rebuild`): rebuilds every read model
 * from the event store in DATA_DIR. Safe while the API runs: the rebuild is
 * one transaction, so the API keeps answering from the old read models until
 * it commits.
 */
export default defineCommand({
  name: 'rebuild',
  summary: 'rebuild every read model from the event store',
  description: `
Replays every event into the read models (DATA_DIR/${READ_MODELS_FILE}) in one transaction.
Safe while the API runs on the same DATA_DIR: it keeps answering from the old read models
until the rebuild commits, then catches up. Also: npm run rebuild.`,
  examples: ['DATA_DIR=./data npm run cli -- rebuild'],
  async run(context) {
    const config = context.config();
    const store = await context.openStore();
    const db = openReadModelDb(join(config.dataDir, READ_MODELS_FILE));
    const started = process.hrtime.bigint();
    const progress = context.progress('rebuilding', await store.headPosition());
    try {
      const result = await rebuildReadModels(store, db, ({ position, head }) => progress.update(position, head));
      progress.stop();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      context.out(`rebuilt read models from ${result.events} events up to position ${result.position} in ${seconds.toFixed(2)} s`);
    } finally {
      progress.stop();
      db.close();
    }
  },
});
