import { Worker } from 'node:worker_threads';
import { TIMED_OUT, builtWorkerScript, isSqliteBusy, retryWhileLocked, within } from '#background';
import Database from 'better-sqlite3';
import { RebuildInProgress, type RebuildStatus, RebuildUnavailable, abandonRebuild, openReadModelDb } from '#projections';
import type { SignedTreeHead } from '#transparency';
import type { FollowerName, FollowersReply, FollowersRequest, FollowersWorkerData } from './followers.protocol.js';

export interface FollowersLogger {
  log(follower: FollowerName | 'store', message: string): void;
  warn(follower: FollowerName | 'store', message: string): void;
  error(follower: FollowerName | 'store', message: string, trace?: string): void;
}

/** `position` null: it has not moved (only the error is news). */
type ProgressListener = (position: number | null, lastError: string | null) => void;

/** How long `close()` waits for the thread to stop its followers and close its files before ending it. */
const CLOSE_TIMEOUT_MS = 10_000;
/** How long a request for a rebuild waits for the thread's answer (it answers once the rebuild has claimed its tables). */
const REBUILD_ANSWER_MS = 10_000;
/** The pause before a thread that died is started again, doubling up to the longest. */
const RESTART_FIRST_MS = 500;
const RESTART_LONGEST_MS = 10_000;
/** How long marking a rebuild whose thread died waits, in all, for another connection's write lock. */
const ABANDON_BUDGET_MS = 5000;

/**
 * The request thread's side of the followers thread (followers.worker.ts), which keeps the read models
 * and the Merkle tree up to date. It starts the thread with the first follower asked for, passes on
 * what each follower should do, hears how far each has got (`onProgress`), and carries appends made in
 * this process to the thread so that its subscriptions read them at once. A thread that dies is
 * started again after a pause, with the followers that were running; until then the followers report
 * the failure as their last error and readers waiting for them time out as usual.
 */
export class FollowersThread {
  private worker: Worker | null = null;
  private readonly wanted = new Set<FollowerName>();
  private readonly listeners: Record<FollowerName, ProgressListener[]> = { projections: [], tree: [] };
  private readonly rebuildEndedListeners: Array<() => void> = [];
  private readonly pending = new Map<number, { resolve: (reply: FollowersReply) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private restartMs = RESTART_FIRST_MS;
  private restartTimer: NodeJS.Timeout | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** The rebuild running in the thread: from the thread's word that it claimed its tables until its word that it ended. */
  private rebuildInThread: string | null = null;

  constructor(
    private readonly data: FollowersWorkerData,
    private readonly logger: FollowersLogger,
    /** Appends committed by this process (the embedded store): passed on so the thread's subscriptions wake at once. */
    onAppended?: (listener: (position: number) => void) => () => void,
  ) {
    onAppended?.((position) => this.post({ kind: 'appended', position }));
  }

  /** Tells `listener` how far `follower` has got, each time it moves or its last error changes. */
  onProgress(follower: FollowerName, listener: ProgressListener): void {
    this.listeners[follower].push(listener);
  }

  /** The thread while it runs (tests end it to see it started again). */
  running(): Worker | null {
    return this.worker;
  }

  start(follower: FollowerName): void {
    if (this.closed) return;
    this.wanted.add(follower);
    if (this.worker) this.post({ kind: 'start', follower });
    else if (!this.restartTimer) this.spawn();
  }

  /** Stops `follower` and waits until it has (its last batch committed). */
  async stop(follower: FollowerName): Promise<void> {
    this.wanted.delete(follower);
    if (!this.worker) return;
    await this.request({ kind: 'stop', follower, id: this.nextId++ }).catch(() => undefined);
  }

  /** Asks the thread's runner to take up the stored checkpoint (a rebuild was swapped in). */
  refresh(): void {
    this.post({ kind: 'refresh' });
  }

  /** Signs (or finds) the head of the tree of `treeSize` leaves (default: all it holds), in the thread that owns the tree. */
  async signHead(treeSize?: number): Promise<SignedTreeHead> {
    if (!this.worker) throw new Error('the Merkle tree is not being kept by this process just now');
    const reply = await this.request({ kind: 'sign-head', id: this.nextId++, treeSize: treeSize ?? null });
    if (reply.kind === 'signed') return reply.head;
    const failed = reply as Extract<FollowersReply, { kind: 'sign-failed' }>;
    throw Object.assign(new Error(failed.message), failed.code === undefined ? {} : { code: failed.code });
  }

  /**
   * Starts a blue/green rebuild of the read models in the thread; resolves once it has claimed the shadow tables.
   * Rejects with RebuildInProgress when another holds them, with the database's SqliteError when another process's
   * lock kept it out, and with RebuildUnavailable when the thread keeps no read models, is not running, does not
   * answer within REBUILD_ANSWER_MS (still opening its store) or could not start the rebuild for another reason.
   */
  async rebuild(): Promise<RebuildStatus> {
    if (!this.worker || this.closed || !this.data.readModelsFile) {
      throw new RebuildUnavailable(
        !this.data.readModelsFile
          ? 'this process does not keep the read models (LEDGER_ROLES lacks projections)'
          : this.closed
            ? 'the server is shutting down'
            : 'the thread that keeps the read models is restarting; try again shortly',
      );
    }
    const asked = this.request({ kind: 'rebuild', id: this.nextId++ }).catch((error: Error) => {
      throw new RebuildUnavailable(`${error.message}; try again shortly`);
    });
    const reply = await within(REBUILD_ANSWER_MS, asked);
    if (reply === TIMED_OUT)
      throw new RebuildUnavailable(`the thread that keeps the read models did not answer within ${REBUILD_ANSWER_MS} ms`);
    if (reply.kind === 'rebuild-started') return reply.status;
    const refused = reply as Extract<FollowersReply, { kind: 'rebuild-refused' }>;
    if (refused.reason === 'in-progress') throw new RebuildInProgress(refused.status);
    if (refused.reason === 'unavailable') throw new RebuildUnavailable(refused.message);
    // Another process's lock kept it out: the same error as on this thread, which callers answer as "busy, retry".
    if (isSqliteBusy(refused)) throw new Database.SqliteError(refused.message, refused.code);
    // Anything else that kept it from starting (the store unreachable, the file unreadable): said, and worth a retry.
    throw new RebuildUnavailable(`the rebuild could not start: ${refused.message}`);
  }

  /** Aborts the thread's rebuild, if one runs, and waits until it has ended. */
  async stopRebuild(): Promise<void> {
    if (!this.worker) return;
    await this.request({ kind: 'stop-rebuild', id: this.nextId++ }).catch(() => undefined);
  }

  /** Tells `listener` each time the thread's rebuild ends, or the thread itself does (which ends any rebuild in it). */
  onRebuildEnded(listener: () => void): void {
    this.rebuildEndedListeners.push(listener);
  }

  /** Stops every follower, lets the thread close its files, and ends it (after CLOSE_TIMEOUT_MS at the latest). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage({ kind: 'close' } satisfies FollowersRequest);
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private spawn(): void {
    const worker = new Worker(
      builtWorkerScript(import.meta.url, {
        sibling: 'followers.worker.js',
        entry: '#api/*',
        subpath: 'infrastructure/followers/followers.worker',
        what: 'the followers thread',
      }),
      { workerData: this.data },
    );
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: FollowersReply) => this.receive(reply));
    worker.on('error', (error) => this.logger.error('store', `the followers thread failed: ${error.message}`, error.stack));
    worker.on('exit', (code) => this.exit(worker, code));
    // Queued until the thread listens (after it has opened its files).
    for (const follower of this.wanted) worker.postMessage({ kind: 'start', follower } satisfies FollowersRequest);
  }

  private receive(reply: FollowersReply): void {
    switch (reply.kind) {
      case 'ready':
        this.restartMs = RESTART_FIRST_MS;
        for (const [follower, position] of Object.entries(reply.positions) as Array<[FollowerName, number]>)
          this.tell(follower, position, null);
        return;
      case 'open-failed':
        this.logger.error('store', `the followers thread could not open its files: ${reply.message}`);
        return;
      case 'progress':
        this.tell(reply.follower, reply.position, reply.lastError);
        return;
      case 'log':
        this.logger[reply.level](reply.follower, reply.message, reply.trace);
        return;
      case 'rebuild-ended':
        this.rebuildInThread = null;
        for (const listener of this.rebuildEndedListeners) listener();
        return;
      case 'rebuild-started':
        this.rebuildInThread = reply.status.rebuildId;
        this.pending.get(reply.id)?.resolve(reply);
        this.pending.delete(reply.id);
        return;
      case 'stopped':
      case 'signed':
      case 'sign-failed':
      case 'rebuild-refused':
      case 'rebuild-stopped':
        this.pending.get(reply.id)?.resolve(reply);
        this.pending.delete(reply.id);
        return;
      case 'closed':
        return;
    }
  }

  private exit(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const { reject } of this.pending.values()) reject(new Error('the followers thread stopped'));
    this.pending.clear();
    const message = `the followers thread stopped (exit code ${code})`;
    if (this.rebuildInThread) void this.abandonRebuild(this.rebuildInThread, `${message} during the rebuild`);
    this.rebuildInThread = null;
    for (const listener of this.rebuildEndedListeners) listener();
    if (this.closed) return;
    for (const follower of this.wanted) this.tell(follower, null, message);
    if (this.wanted.size === 0) return;
    this.logger.error('store', `${message}; starting it again in ${this.restartMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.closed && this.wanted.size > 0) this.spawn();
    }, this.restartMs);
    this.restartMs = Math.min(this.restartMs * 2, RESTART_LONGEST_MS);
  }

  /**
   * A rebuild that ended with its thread said nothing: its row stays marked running, and every other rebuild would be
   * refused (409) until it went stale, a minute later. Marked failed here instead, with its shadow tables dropped, on a
   * connection of its own (the thread's is gone), waiting without blocking for another connection's write lock.
   */
  private async abandonRebuild(rebuildId: string, reason: string): Promise<void> {
    const file = this.data.readModelsFile;
    if (!file) return;
    let db: Database.Database | undefined;
    try {
      const marked = await retryWhileLocked(() => {
        db ??= openReadModelDb(file, 0);
        return abandonRebuild(db, rebuildId, reason);
      }, ABANDON_BUDGET_MS);
      if (marked) this.logger.warn('projections', `rebuild ${rebuildId} marked failed: ${reason}`);
    } catch (error) {
      const why = (error as Error).message;
      this.logger.error('projections', `could not mark rebuild ${rebuildId} failed (${why}); it shows as interrupted once it is stale`);
    } finally {
      db?.close();
    }
  }

  private tell(follower: FollowerName, position: number | null, lastError: string | null): void {
    for (const listener of this.listeners[follower]) listener(position, lastError);
  }

  private post(message: FollowersRequest): void {
    this.worker?.postMessage(message);
  }

  private request(message: FollowersRequest & { id: number }): Promise<FollowersReply> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('the followers thread is not running'));
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      worker.postMessage(message);
    });
  }
}
