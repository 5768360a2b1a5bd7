import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `write` (a SQLite write transaction begun IMMEDIATE, on a connection that never waits for a lock
 * synchronously) and, while another connection holds the file's write lock (SQLITE_BUSY: the followers
 * thread's batch, another process), runs it again after a short pause, never blocking the event loop.
 * After `budgetMs` the last SQLITE_BUSY is thrown (the caller answers "busy, try again").
 */
export async function retryWhileLocked<T>(write: () => T, budgetMs = 2000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      return write();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() + pauseMs > deadline) throw error;
      await sleep(pauseMs);
    }
  }
}
