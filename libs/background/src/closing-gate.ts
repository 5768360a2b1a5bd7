import { within } from './within.js';

/**
 * Calls that may run together, and closings that run alone: a closing waits until no call is under way (at most
 * `timeoutMs`, for a server gone that may never answer) and holds new calls until it is done.
 */
export class ClosingGate {
  private readonly calls = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;

  get underWay(): number {
    return this.calls.size;
  }

  /** Runs `call` once no closing is under way, counting it until it settles. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    while (this.closing) await this.closing;
    const running = call();
    this.calls.add(running);
    const forget = (): void => {
      this.calls.delete(running);
    };
    running.then(forget, forget);
    return running;
  }

  /** Runs `work` alone: after every call under way has settled (or `timeoutMs`), with new calls held until it ends. */
  async close(work: () => Promise<void>, timeoutMs: number): Promise<void> {
    while (this.closing) await this.closing;
    let done!: () => void;
    this.closing = new Promise<void>((resolve) => (done = resolve));
    try {
      if (this.calls.size > 0) await within(timeoutMs, Promise.allSettled([...this.calls]));
      await work();
    } finally {
      this.closing = null;
      done();
    }
  }
}

/**
 * The gate every EventStoreDB client of this thread appends and is disposed through. @eventstore/db-client 6.2.1
 * keeps one table of pending batch appends for the whole module (every client of the thread); `dispose()` cancels a
 * client's batch stream, and its `error` handler then rejects and forgets every pending append in that table, other
 * clients' too, so a later answer to one of those throws inside the gRPC callback, uncaught (fixed upstream in
 * @kurrent/kurrentdb-client, kurrent-io/KurrentDB-Client-NodeJS#523). A dispose through this gate happens with no
 * append of any client under way. It lives here, where the event store's and the coordination store's EventStoreDB
 * adapters both reach it, and without loading the client: those adapters are imported lazily, side by side, and jest's
 * module loader fails ("not in cache") when one of them imports the other.
 */
export const EVENTSTOREDB_CLIENTS = new ClosingGate();

/** How long a closing waits for appends under way before it disposes the client (a server gone may never answer). */
const CLOSE_WAIT_MS = 2000;
/** How long it waits for dispose() itself, which waits on channels that may never close once the server is gone. */
const DISPOSE_WAIT_MS = 1000;

/** Disposes an EventStoreDB `client` through EVENTSTOREDB_CLIENTS: with no append of any client of this thread under way. */
export async function closeEventStoreDbClient(client: { dispose(): Promise<void> }): Promise<void> {
  await EVENTSTOREDB_CLIENTS.close(async () => {
    await within(DISPOSE_WAIT_MS, client.dispose());
  }, CLOSE_WAIT_MS);
}
