import { join } from 'node:path';
import { RebuildInProgress, openReadModelDb, rebuildReadModels } from '#projections';
import { READ_MODELS_FILE } from '../../infrastructure/data-files.js';
import { EXIT_BUSY, defineCommand } from '../cli.js';

/**
 * `npm run cli -- rebuild` (and `npm run rebuild`): rebuilds every read model
 * from the event store in DATA_DIR, blue/green. Safe while the API runs: the
 * API keeps answering from the live read models until the rebuilt ones are
 * swapped in.
 */
export default defineCommand({
  name: 'rebuild',
  summary: 'rebuild every read model from the event store (blue/green)',
  description: `
Replays every event into shadow read-model tables (DATA_DIR/${READ_MODELS_FILE}) and swaps them in
once caught up, exactly as POST /admin/projections/rebuild does. Safe while the API runs on the
same DATA_DIR: it keeps answering from the live read models until the swap. Events the projection
cannot apply are parked (see GET /admin/projections). Also: npm run rebuild.
Exits ${EXIT_BUSY} if another rebuild is running.`,
  examples: ['DATA_DIR=./data npm run cli -- rebuild'],
  async run(context) {
    const config = context.config();
    const store = await context.openStore();
    const db = openReadModelDb(join(config.dataDir, READ_MODELS_FILE));
    const started = process.hrtime.bigint();
    const progress = context.progress('rebuilding', await store.headPosition());
    try {
      const result = await rebuildReadModels(store, db, {
        onProgress: ({ position, head }) => progress.update(position, Math.max(head, position)),
      });
      progress.stop();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      context.out(`rebuilt read models from ${result.events} events up to position ${result.position} in ${seconds.toFixed(2)} s`);
      if (result.parked > 0) context.out(`${result.parked} events could not be applied and are parked: see GET /admin/projections`);
    } catch (error) {
      if (!(error instanceof RebuildInProgress)) throw error;
      context.err(error.message);
      return EXIT_BUSY;
    } finally {
      progress.stop();
      db.close();
    }
  },
});
