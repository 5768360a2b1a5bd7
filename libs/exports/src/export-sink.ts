import type { Writable } from 'node:stream';

/** `out` with backpressure, and the reasons to stop: closed, destroyed, failed, aborted. */
export class Sink {
  private error: Error | null = null;
  private readonly onError = (error: Error) => {
    this.error ??= error;
  };

  constructor(
    private readonly out: Writable,
    private readonly signal?: AbortSignal,
  ) {
    out.on('error', this.onError);
  }

  stopped(): boolean {
    return this.error !== null || this.out.destroyed || this.out.writableEnded || (this.signal?.aborted ?? false);
  }

  /** Writes, and waits for 'drain' when the buffer is full; false when the export must stop. */
  async write(chunk: string): Promise<boolean> {
    if (this.stopped()) return false;
    if (this.out.write(chunk)) return !this.stopped();
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.out.off('error', done);
        this.signal?.removeEventListener('abort', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.out.on('error', done);
      this.signal?.addEventListener('abort', done);
      if (this.stopped()) done();
    });
    return !this.stopped();
  }

  /** Ends `out` once it has taken everything; false if it was already closed or failed. */
  async end(): Promise<boolean> {
    if (this.stopped()) return false;
    await new Promise<void>((resolve) => this.out.end(resolve));
    return this.error === null;
  }

  /** Rejects the export with the error `out` failed with, if it did. */
  throwIfFailed(): void {
    if (this.error) throw this.error;
  }

  release(): void {
    this.out.off('error', this.onError);
  }
}
