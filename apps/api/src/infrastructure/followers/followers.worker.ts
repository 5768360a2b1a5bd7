import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '#event-store/sqlite';
import { LedgerProjection, LocalRebuilds, ProjectionRunner, RebuildInProgress, openReadModelDb } from '#projections';
import { MerkleTreeStore, TreeFollower, openTreeDb } from '#transparency';
import { LEDGER_LEAVES } from '../ledger-leaves.js';
import { openEventStore } from '../open-event-store.js';
import type { FollowerName, FollowersReply, FollowersRequest, FollowersWorkerData } from './followers.protocol.js';

/**
 * The followers thread: keeps the read models and the Merkle tree up to date with the log, so that
 * neither applying events nor hashing them ever takes the request thread's time. It opens its own
 * store (its own read connection to the events file, or its own EventStoreDB client) and owns the
 * write connections of the read models and the tree; the request thread only reads those files and
 * hears here how far each follower has got. Each follower works as in one thread (batch and
 * checkpoint in one transaction, events the stored checkpoint covers skipped), so the fleet's rules
 * for several processes on one DATA_DIR hold unchanged.
 */
const port = parentPort;
if (!port) throw new Error('followers.worker runs as a worker thread of FollowersThread');
const data = workerData as FollowersWorkerData;
const reply = (message: FollowersReply): void => port.postMessage(message);
const loggerOf = (follower: FollowerName | 'store') => ({
  log: (message: string) => reply({ kind: 'log', follower, level: 'log', message }),
  warn: (message: string) => reply({ kind: 'log', follower, level: 'warn', message }),
  error: (message: string, trace?: string) => reply({ kind: 'log', follower, level: 'error', message, trace }),
});

try {
  const events = await openEventStore(data.store, loggerOf('store').warn);
  const closers: Array<() => void> = [];
  let runner: ProjectionRunner | null = null;
  let rebuilds: LocalRebuilds | null = null;
  /** Set by 'close': no rebuild starts on a thread that is closing its files. */
  let closing = false;
  if (data.readModelsFile) {
    // Never waits synchronously for another process's lock: the runner retries (SQLITE_BUSY) without blocking.
    const db = openReadModelDb(data.readModelsFile, 0);
    closers.push(() => db.close());
    runner = new ProjectionRunner(events, db, new LedgerProjection(db), loggerOf('projections'));
    runner.onProgress((position, lastError) => reply({ kind: 'progress', follower: 'projections', position, lastError }));
    // Operators' rebuilds run here too: a rebuild folds every event, which on the request thread took its time for all of
    // it. Its own connection may wait (up to a second) for another process's lock: only this thread waits.
    const file = data.readModelsFile;
    rebuilds = new LocalRebuilds(events, runner, () => openReadModelDb(file, 1000), loggerOf('projections'), {
      // Small transactions, so the live projection sharing this thread applies new events between them.
      pageSize: 1000,
      commitEvery: 10_000,
      onEnded: () => reply({ kind: 'rebuild-ended' }),
    });
  }
  let follower: TreeFollower | null = null;
  if (data.tree) {
    const db = openTreeDb(data.tree.file);
    closers.push(() => db.close());
    // The tree covers the events as stored: the store itself, not the upcasting view.
    follower = new TreeFollower(
      events.stored,
      new MerkleTreeStore(db),
      LEDGER_LEAVES,
      data.tree.privateKey,
      { everyEvents: data.tree.everyEvents, everyMs: data.tree.everyMs },
      loggerOf('tree'),
    );
    follower.onProgress((position, lastError) => reply({ kind: 'progress', follower: 'tree', position, lastError }));
  }
  const loops = { projections: runner, tree: follower };
  const wanted = new Set<FollowerName>();
  /**
   * The tree starts once the read models have caught up with the log as it was when it was asked to: reads wait for
   * the projections (?minPosition, and every read for this process's own writes), proofs for the tree, so on a start
   * over a long backlog the projections go first instead of both going at half speed.
   */
  const startTree = async (): Promise<void> => {
    if (runner && wanted.has('projections')) await runner.waitFor(await events.stored.headPosition(), 600_000);
    if (wanted.has('tree')) follower?.start();
  };

  port.on('message', (request: FollowersRequest) => {
    switch (request.kind) {
      case 'start':
        wanted.add(request.follower);
        if (request.follower === 'tree') void startTree();
        else runner?.start();
        return;
      case 'stop':
        wanted.delete(request.follower);
        void Promise.resolve(loops[request.follower]?.stop()).then(() => reply({ kind: 'stopped', id: request.id }));
        return;
      case 'refresh':
        runner?.refresh();
        return;
      case 'appended':
        if (events.stored instanceof SqliteEventStore) events.stored.noticeAppended(request.position);
        return;
      case 'sign-head':
        try {
          if (!follower) throw new Error('this process keeps no Merkle tree');
          reply({ kind: 'signed', id: request.id, head: follower.signHead(request.treeSize ?? undefined) });
        } catch (error) {
          const err = error as Error & { code?: string };
          reply({ kind: 'sign-failed', id: request.id, message: err.message, code: err.code });
        }
        return;
      case 'rebuild':
        if (!rebuilds || closing) {
          const message = closing ? 'the server is shutting down' : 'this process keeps no read models';
          reply({ kind: 'rebuild-refused', id: request.id, reason: 'unavailable', message, status: null });
          return;
        }
        rebuilds.start().then(
          (status) => reply({ kind: 'rebuild-started', id: request.id, status }),
          (error: Error & { code?: string }) =>
            reply({
              kind: 'rebuild-refused',
              id: request.id,
              reason: error instanceof RebuildInProgress ? 'in-progress' : 'failed',
              message: error.message,
              status: error instanceof RebuildInProgress ? error.status : null,
              code: typeof error.code === 'string' ? error.code : undefined,
            }),
        );
        return;
      case 'stop-rebuild':
        void Promise.resolve(rebuilds?.stop()).then(() => reply({ kind: 'rebuild-stopped', id: request.id }));
        return;
      case 'close':
        closing = true;
        void (async () => {
          await rebuilds?.stop();
          await Promise.all([runner?.stop(), follower?.stop()]);
          await events.close();
          for (const close of closers) close();
          reply({ kind: 'closed' });
          port.close();
        })();
        return;
    }
  });
  reply({
    kind: 'ready',
    positions: { ...(runner ? { projections: runner.position } : {}), ...(follower ? { tree: follower.position } : {}) },
  });
} catch (error) {
  reply({ kind: 'open-failed', message: (error as Error).message });
  port.close();
}
