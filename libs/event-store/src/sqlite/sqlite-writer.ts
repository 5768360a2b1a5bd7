import { builtWorkerScript } from '#background';
import { Worker } from 'node:worker_threads';
import { AppendOutcomeUnknown, type AppendResult, DuplicateEventId, WrongExpectedRevision } from '../event-store.port.js';
import type { AppendRefusal, AppendRequest, WriterError, WriterReply, WriterRequest } from './sqlite-writer.protocol.js';

interface PendingAppend {
  readonly request: AppendRequest;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The request thread's side of the writer thread (sqlite-writer.worker.ts), which owns the write
 * connection. Appends queue here while the thread writes the previous batch, and go as the next
 * batch (group commit): the longer an fsync takes, the more appends share the next one, and the
 * request thread parses and validates meanwhile. A promise settles only when the thread answers,
 * that is after the commit is fsynced. A thread that dies fails the batch it held with
 * AppendOutcomeUnknown and the next append starts a new one.
 */
export class SqliteWriter {
  private thread: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private queue: PendingAppend[] = [];
  /** The batch being written: from when it leaves the queue until the thread answers or dies. */
  private inFlight: PendingAppend[] | undefined;
  /** Whether the batch in flight reached the thread (until then, a thread that dies did not see it). */
  private posted = false;
  private scheduled = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly file: string,
    private readonly onAppended: (lastPosition: number) => void,
  ) {}

  append(request: AppendRequest): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      // Appends made in the same turn of the event loop go together.
      if (!this.scheduled && !this.inFlight) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.sendNext();
        });
      }
    });
  }

  /** The writer thread, when one runs (the tests stop it to see appends fail cleanly). */
  running(): Worker | undefined {
    return this.thread;
  }

  /** Writes what was asked before, then stops the thread. */
  async close(): Promise<void> {
    if (this.inFlight || this.queue.length > 0 || this.scheduled) await new Promise<void>((resolve) => this.idle.push(resolve));
    const thread = this.thread;
    this.thread = undefined;
    this.starting = undefined;
    if (!thread) return;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    thread.ref();
    thread.postMessage({ kind: 'close' } satisfies WriterRequest);
    await exited;
  }

  private async sendNext(): Promise<void> {
    if (this.inFlight) return;
    if (this.queue.length === 0) {
      this.thread?.unref();
      this.idle.splice(0).forEach((resolve) => resolve());
      return;
    }
    const batch = this.queue;
    this.queue = [];
    this.inFlight = batch;
    let thread: Worker;
    try {
      thread = await this.started();
    } catch (error) {
      this.inFlight = undefined;
      batch.forEach((pending) => pending.reject(error));
      return this.sendNext();
    }
    // A pending append keeps the process alive, as a synchronous write would have.
    thread.ref();
    this.posted = true;
    thread.postMessage({ kind: 'append', appends: batch.map((pending) => pending.request) } satisfies WriterRequest);
  }

  private started(): Promise<Worker> {
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      const thread = new Worker(writerScript(), { workerData: { file: this.file } });
      let failure: Error | undefined;
      thread.once('message', (first: WriterReply) => {
        if (first.kind === 'ready') {
          this.thread = thread;
          thread.on('message', (reply: WriterReply) => this.settle(reply));
          resolve(thread);
        } else if (first.kind === 'open-failed') {
          failure = new Error(`the event store's writer thread could not open ${this.file}: ${first.error.message}`);
        }
      });
      thread.on('error', (error) => (failure ??= error));
      thread.on('exit', (code) => {
        if (this.thread === thread || this.thread === undefined) {
          this.thread = undefined;
          this.starting = undefined;
        }
        reject(failure ?? new Error(`the event store's writer thread exited (code ${code}) before opening ${this.file}`));
        this.stopped(failure?.message ?? `exit code ${code}`);
      });
    });
    return this.starting;
  }

  private settle(reply: WriterReply): void {
    const batch = this.inFlight;
    this.inFlight = undefined;
    this.posted = false;
    if (!batch) return;
    if (reply.kind === 'appended') {
      let last = 0;
      reply.outcomes.forEach((outcome, index) => {
        if (outcome.ok) {
          last = Math.max(last, outcome.result.position);
          batch[index].resolve(outcome.result);
        } else {
          batch[index].reject(refusalError(outcome.refusal));
        }
      });
      if (last > 0) this.onAppended(last);
    } else if (reply.kind === 'batch-failed') {
      // The whole transaction was rolled back (disk full, I/O error): nothing of this batch was stored.
      const error = writerError(reply.error);
      batch.forEach((pending) => pending.reject(error));
    }
    void this.sendNext();
  }

  /** The thread is gone: the batch it held fails; what is queued goes to a new thread. */
  private stopped(reason: string): void {
    if (!this.posted) return;
    const batch = this.inFlight;
    this.inFlight = undefined;
    this.posted = false;
    batch?.forEach((pending) => pending.reject(new AppendOutcomeUnknown(`its writer thread: ${reason}`)));
    void this.sendNext();
  }
}

function refusalError(refusal: AppendRefusal): Error {
  return refusal.kind === 'wrong-expected-revision'
    ? new WrongExpectedRevision(refusal.streamId, refusal.expected, refusal.actual)
    : new DuplicateEventId(refusal.eventId);
}

function writerError({ message, code }: WriterError): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

/** The built writer thread (see builtWorkerScript). */
function writerScript(): URL {
  return builtWorkerScript(import.meta.url, {
    sibling: 'sqlite-writer.worker.js',
    entry: '#event-store/sqlite-writer',
    what: "the event store's writer thread",
  });
}
