import { within } from './within.js';

/**
 * Calls under way (appends to a server), so that a closing can let them settle before it ends the client: disposing a
 * client cancels what it still has in flight, and an append whose answer never came may or may not have been written.
 */
export class InFlight {
  private readonly calls = new Set<Promise<unknown>>();

  get size(): number {
    return this.calls.size;
  }

  /** Counts `call` until it settles; returns it. */
  track<T>(call: Promise<T>): Promise<T> {
    this.calls.add(call);
    const forget = (): void => {
      this.calls.delete(call);
    };
    call.then(forget, forget);
    return call;
  }

  /** Resolves once every call under way has settled, resolved or rejected, or once `ms` have passed (a server gone may never answer). */
  async settled(ms: number): Promise<void> {
    if (this.calls.size > 0) await within(ms, Promise.allSettled([...this.calls]));
  }
}
