/**
 * Lets the event loop run (sockets, timers, other requests) before going on.
 * A long read of the log awaits this between its pages: a synchronous store
 * (better-sqlite3) answers each `await` at once, so without it a read of a
 * million events would hold the thread from start to end.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
