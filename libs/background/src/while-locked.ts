import { setTimeout as sleep } from 'node:timers/promises';

/** Whether `error` is SQLite's refusal for a lock another connection holds (SQLITE_BUSY and its extended codes). */
export function isSqliteBusy(error: unknown): error is { code: `SQLITE_BUSY${string}` } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs `write` (a SQLite write, on a connection that never waits for a lock synchronously, or a request for one to
 * another thread that owns such a connection) and, while another connection holds the file's write lock
 * (SQLITE_BUSY: the followers thread's batch, another process), runs it again after a short pause, never blocking
 * the event loop. Once `budgetMs` would be passed the last SQLITE_BUSY is thrown (the caller answers "busy, try
 * again"); any other error is thrown at once.
 */
export async function retryWhileLocked<T>(write: () => T | Promise<T>, budgetMs = 2000): Promise<T> {
  const deadline = performance.now() + budgetMs;
  for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      return await write();
    } catch (error) {
      if (!isSqliteBusy(error) || performance.now() + pauseMs > deadline) throw error;
      await sleep(pauseMs);
    }
  }
}
