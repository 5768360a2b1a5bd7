import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MerkleTreeStore, openTreeDb, readPublicKey } from '#transparency';
import { verifyLedger } from '../../audit/verify-chains/tree-verification.js';
import { ledgerStreamIdProblem } from '../../audit/verify-chains/verify-chains.http.controller.js';
import { TREE_FILE } from '../../infrastructure/data-files.js';
import { openStoredEvents } from '../../infrastructure/open-event-store.js';
import { EXIT_FAILED, UsageError, defineCommand } from '../cli.js';

/**
 * `npm run cli -- verify`: recomputes the hash chains of the events as
 * stored (not as upcast), exactly as GET /audit/verify does, and exits 1 at
 * a break so a scheduled job can alert on it.
 */
export default defineCommand({
  name: 'verify',
  summary: "recompute every stream's hash chain, check every signed tree head, and report the first break",
  description: `
Reads the event store in DATA_DIR (or EventStoreDB) page by page and recomputes each event's hash
from the event as stored and the previous event's hash, as GET /audit/verify does; for the whole
log it also checks every signed tree head in DATA_DIR/${TREE_FILE} against the public half of
TREE_SIGNING_KEY_FILE (its signature, and its Merkle root recomputed from the events as stored),
naming the first leaf that differs ("treeHeads"). Prints the result as JSON on stdout and a
one-line verdict on stderr. Exits 0 when everything holds and ${EXIT_FAILED} at the first break.`,
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
    const config = context.config();
    const store = await openStoredEvents(config);
    const treeFile = join(config.dataDir, TREE_FILE);
    // Without the tree (a DATA_DIR the API never ran on) or the key, only the chains can be checked: said on stderr.
    const treeDb =
      streamId === undefined && existsSync(treeFile) && existsSync(config.treeSigningKeyFile) ? openTreeDb(treeFile, 5000) : null;
    try {
      const transparency = treeDb && { tree: new MerkleTreeStore(treeDb), key: { publicKey: readPublicKey(config.treeSigningKeyFile) } };
      if (streamId === undefined && !transparency)
        context.err(`no Merkle tree (${treeFile}) or signing key (${config.treeSigningKeyFile}): only the hash chains are checked`);
      const progress = context.progress('verifying', await store.headPosition());
      const result = await verifyLedger(store, transparency, { streamId, onProgress: (position) => progress.update(position) });
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
      const tree = result.treeHeads;
      const leaf = tree?.firstDifference;
      context.err(
        result.firstBreak
          ? `BROKEN: first break at ${where}; ${result.brokenStreams} stream(s) broken`
          : `ok: ${result.events} events in ${result.streams} streams, every chain holds`,
      );
      if (tree)
        context.err(
          tree.ok
            ? `ok: ${tree.heads} signed tree head(s) hold, the latest of ${tree.latestHead?.treeSize ?? 0} events`
            : `BROKEN: ${
                tree.firstBadHead
                  ? `the head of size ${tree.firstBadHead.treeSize} fails (${tree.firstBadHead.reason}: ${tree.firstBadHead.detail})`
                  : 'the tree store disagrees with the log'
              }${
                leaf
                  ? `; first differing leaf ${leaf.leafIndex} (${leaf.reason}; the tree recorded event ${leaf.expected?.eventId ?? '?'} ` +
                    `at position ${leaf.expected?.position ?? '?'}, the log holds ` +
                    `${leaf.found ? `event ${leaf.found.eventId} at position ${leaf.found.position}` : 'none'})`
                  : ''
              }`,
        );
      return result.ok ? undefined : EXIT_FAILED;
    } finally {
      treeDb?.close();
      await store.close();
    }
  },
});
