/**
 * A loop that runs in the background until stopped: the projection runner
 * and the Kafka relay. `stop()` aborts the signal and waits for `run` to end.
 */
export abstract class BackgroundLoop {
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;

  protected abstract run(signal: AbortSignal): Promise<void>;

  start(): void {
    if (this.loop) return;
    this.controller = new AbortController();
    this.loop = this.run(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = null;
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects): the pause between a background loop's attempts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
