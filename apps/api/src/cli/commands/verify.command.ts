import { verifyHashChains } from '#event-store';
import { ledgerStreamIdProblem } from '../../audit/verify-chains/verify-chains.http.controller.js';
import { openStoredEvents } from '../../infrastructure/open-event-store.js';
import { EXIT_FAILED, UsageError, defineCommand } from '../cli.js';

/**
 * `npm run cli -- verify`: recomputes the hash chains of the events as
 * stored (not as upcast), exactly as GET /audit/verify does, and exits 1 at
 * a break so a scheduled job can alert on it.
 */
export default defineCommand({
  name: 'verify',
  summary: "recompute every stream's hash chain and report the first break",
  description: `
Reads the event store in DATA_DIR (or EventStoreDB) page by page and recomputes each event's hash
from the event as stored and the previous event's hash, as GET /audit/verify does. Prints the
result as JSON on stdout and a one-line verdict on stderr. Exits 0 when every chain holds and
${EXIT_FAILED} at the first break (its stream, revision, position and reason are in "firstBreak").`,
  options: {
    stream: { type: 'string', valueName: 'id', description: 'verify only this stream, e.g. project-sm-graphite-anode' },
  },
  examples: ['DATA_DIR=./data npm run -s cli -- verify', 'npm run -s cli -- verify --stream partner-pair-shanghai-sanming'],
  async run(context) {
    const streamId = context.values.stream as string | undefined;
    if (streamId !== undefined) {
      const problem = ledgerStreamIdProblem(streamId);
      if (problem !== null) throw new UsageError(`--stream ${problem}`);
    }
    const store = await openStoredEvents(context.config());
    try {
      const progress = context.progress('verifying', await store.headPosition());
      const result = await verifyHashChains(store, { streamId, onProgress: ({ position }) => progress.update(position) });
      progress.stop();
      context.out(JSON.stringify(result, null, 2));
      if (streamId !== undefined && result.events === 0) {
        context.err(`stream ${streamId} holds no events`);
        return EXIT_FAILED;
      }
      const where =
        result.firstBreak &&
        `${result.firstBreak.streamId} revision ${result.firstBreak.revision} ` +
          `(position ${result.firstBreak.position}): ${result.firstBreak.reason}`;
      context.err(
        result.ok
          ? `ok: ${result.events} events in ${result.streams} streams, every chain holds`
          : `BROKEN: first break at ${where}; ${result.brokenStreams} stream(s) broken`,
      );
      return result.ok ? undefined : EXIT_FAILED;
    } finally {
      await store.close();
    }
  },
});
