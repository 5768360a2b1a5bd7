import type { AppendResult, ExpectedRevision } from '../event-store.port.js';

/**
 * The messages between the embedded store (request thread) and its writer thread. Plain data only:
 * errors cross as a refusal or a message and code, and become the port's error classes again on
 * the request thread.
 */

/** One append as the writer stores it: `data` and `metadata` serialised (JSON) by the caller's thread. */
export interface AppendRequest {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly events: ReadonlyArray<{
    readonly id: string;
    readonly type: string;
    readonly schemaVersion: number;
    readonly data: string;
    readonly metadata: string;
  }>;
}

export type WriterRequest = { readonly kind: 'append'; readonly appends: readonly AppendRequest[] } | { readonly kind: 'close' };

/** Why one append of a batch was refused; the others of the batch are unaffected. */
export type AppendRefusal =
  | {
      readonly kind: 'wrong-expected-revision';
      readonly streamId: string;
      readonly expected: ExpectedRevision;
      readonly actual: number | 'no_stream';
    }
  | { readonly kind: 'duplicate-event-id'; readonly eventId: string };

export type AppendOutcome = { readonly ok: true; readonly result: AppendResult } | { readonly ok: false; readonly refusal: AppendRefusal };

/** An error that stopped a whole batch (disk full, I/O error) or the opening of the file. */
export interface WriterError {
  readonly message: string;
  readonly code?: string;
}

export type WriterReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'open-failed'; readonly error: WriterError }
  | { readonly kind: 'appended'; readonly outcomes: readonly AppendOutcome[] }
  | { readonly kind: 'batch-failed'; readonly error: WriterError };

export function toWriterError(error: unknown): WriterError {
  const { message, code } = error as { message?: unknown; code?: unknown };
  return { message: typeof message === 'string' ? message : String(error), ...(typeof code === 'string' ? { code } : {}) };
}
