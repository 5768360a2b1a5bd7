/**
 * The calls a client has under way, so that closing it can wait for them first. @eventstore/db-client 6.2.1 keeps
 * one process-wide table of pending batch appends: disposing a client while one of its appends is under way errors
 * its stream, which rejects and forgets every client's pending appends, and a later answer to another client's
 * append then throws inside the gRPC callback, uncaught (fixed upstream in kurrent-io/KurrentDB-Client-NodeJS#523).
 */
export class InFlight {
  private readonly calls = new Set<Promise<unknown>>();

  /** Runs `call`, counting it until it settles. */
  track<T>(call: Promise<T>): Promise<T> {
    this.calls.add(call);
    const forget = (): void => {
      this.calls.delete(call);
    };
    call.then(forget, forget);
    return call;
  }

  get size(): number {
    return this.calls.size;
  }

  /** Resolves once every call under way has settled, or after `timeoutMs` (a server gone may never answer). */
  async settled(timeoutMs: number): Promise<void> {
    if (this.calls.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.calls]), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
