import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '#event-store/sqlite';
import { LedgerProjection, ProjectionRunner, openReadModelDb } from '#projections';
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
  if (data.readModelsFile) {
    // Never waits synchronously for another process's lock: the runner retries (SQLITE_BUSY) without blocking.
    const db = openReadModelDb(data.readModelsFile, 0);
    closers.push(() => db.close());
    runner = new ProjectionRunner(events, db, new LedgerProjection(db), loggerOf('projections'));
    runner.onProgress((position, lastError) => reply({ kind: 'progress', follower: 'projections', position, lastError }));
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
      case 'close':
        void (async () => {
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
