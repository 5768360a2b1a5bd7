import { randomUUID } from 'node:crypto';
import { Conflict, type Decision, DomainError, NotFound } from '#domain';
import { type EventMetadata, type EventStore, WrongExpectedRevision, chainEvents } from '#event-store';
import type { LoadableStream } from './aggregate-loader.js';
import { type CommandObserver, secondsSince } from './command-observer.js';
import { KeyedMutex } from './keyed-mutex.js';

export interface CommandContext {
  readonly correlationId: string;
  /** The id of the request that caused the events: their causation id. */
  readonly commandId: string;
  readonly actor: string;
  /** From If-Match: the stream revision the client last saw. */
  readonly expectedRevision?: number;
}

export interface CommandResult {
  /** 'created' when events were appended, 'replayed' when the command repeated one already recorded. */
  readonly outcome: 'created' | 'replayed';
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
}

/**
 * How a command without If-Match rides out other writers of its stream (other
 * processes: this one serialises its own with the mutex): after a lost race it
 * waits a random time from 0 to `baseDelayMs` × 2^(attempt − 1) (at most
 * `maxDelayMs`), then loads, decides and appends again; once `budgetMs` would
 * be over it gives up with StreamContended.
 */
export interface ContentionPolicy {
  readonly budgetMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A cap on attempts besides the time budget (Infinity: the budget alone decides). */
  readonly maxAttempts: number;
}

export const DEFAULT_CONTENTION: ContentionPolicy = { budgetMs: 5000, baseDelayMs: 2, maxDelayMs: 100, maxAttempts: Infinity };

/**
 * Other writers kept winning the race for a stream for the whole contention
 * budget. No rule refused the command and nothing was appended: it may be
 * sent again as it is (the HTTP layer answers 503 with Retry-After).
 */
export class StreamContended extends Error {
  readonly code = 'stream-contended';

  constructor(
    readonly streamId: string,
    readonly attempts: number,
    readonly elapsedMs: number,
  ) {
    super(
      `${streamId} was written by other writers during each of ${attempts} attempts over ${Math.round(elapsedMs)} ms; ` +
        'nothing was appended: send the command again shortly',
    );
    this.name = 'StreamContended';
  }
}

/**
 * Load → decide → append, the one path every command takes. Appends expect
 * the revision that was loaded; if another writer got there first the command
 * is decided again on fresh state after a jittered, growing pause (see
 * ContentionPolicy), unless the client pinned a revision with If-Match, which
 * then fails as a conflict. The observer hears how each command ended and how
 * long it took.
 */
export class CommandExecutor {
  private readonly mutex = new KeyedMutex();

  constructor(
    /** Where events are appended (for metrics, an ObservedEventStore around the store). */
    private readonly store: EventStore,
    /** The schema version each event type is written with today (the domain's currentSchemaVersion). */
    private readonly schemaVersion: (type: string) => number,
    private readonly observer?: CommandObserver,
    private readonly contention: ContentionPolicy = DEFAULT_CONTENTION,
  ) {}

  /** Runs `command` against `target`'s stream: `decide` gets its current state and returns the events to append. */
  async execute<S, E extends { type: string; data: unknown }>(
    command: { readonly type: string },
    target: LoadableStream<S>,
    decide: (state: S) => Decision<E> | Promise<Decision<E>>,
    context: CommandContext,
  ): Promise<CommandResult> {
    const start = process.hrtime.bigint();
    try {
      const result = await this.mutex.run(target.streamId, () => this.loadDecideAppend(target, decide, context));
      this.observer?.commandHandled({ command: command.type, outcome: result.outcome, durationSeconds: secondsSince(start) });
      return result;
    } catch (error) {
      const refused = error instanceof DomainError;
      const outcome = refused ? 'refused' : 'failed';
      this.observer?.commandHandled({
        command: command.type,
        outcome,
        code: refused || error instanceof StreamContended ? error.code : undefined,
        durationSeconds: secondsSince(start),
      });
      throw error;
    }
  }

  private async loadDecideAppend<S, E extends { type: string; data: unknown }>(
    { streamId, load, forget }: LoadableStream<S>,
    decide: (state: S) => Decision<E> | Promise<Decision<E>>,
    context: CommandContext,
  ): Promise<CommandResult> {
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const { state, revision, head } = await load();
      const decision = await decideGuarded(() => decide(state), context.expectedRevision, revision);
      if (decision.kind === 'replay') return { outcome: 'replayed', streamId, ...decision.at };
      const metadata: EventMetadata = {
        correlationId: context.correlationId,
        causationId: context.commandId,
        actor: context.actor,
        writtenAt: new Date().toISOString(),
      };
      // Appended at exactly revision + 1 on (the expected revision guarantees it), so each event's hash chains from the loaded head.
      const events = chainEvents(
        streamId,
        revision + 1,
        head,
        decision.events.map((event) => ({
          id: randomUUID(),
          type: event.type,
          schemaVersion: this.schemaVersion(event.type),
          data: event.data,
          metadata,
        })),
      );
      try {
        const result = await this.store.appendToStream(streamId, events, { expectedRevision: revision === -1 ? 'no_stream' : revision });
        return { outcome: 'created', streamId, revision: result.nextExpectedRevision, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        forget();
        if (context.expectedRevision !== undefined) {
          throw new Conflict('concurrent-modification', `${streamId} was changed by another command; read it again and retry`);
        }
        const { budgetMs, baseDelayMs, maxDelayMs, maxAttempts } = this.contention;
        const delayMs = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        const elapsedMs = performance.now() - started;
        if (attempt >= maxAttempts || elapsedMs + delayMs > budgetMs) throw new StreamContended(streamId, attempt, elapsedMs);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}

/**
 * A retry of an already-recorded command is answered whatever If-Match
 * says; an unknown stream is a 404 whatever If-Match says; otherwise a stale
 * If-Match wins over any business rule.
 */
async function decideGuarded<E>(
  decide: () => Decision<E> | Promise<Decision<E>>,
  expected: number | undefined,
  actual: number,
): Promise<Decision<E>> {
  let decision: Decision<E> | undefined;
  let refusal: unknown;
  try {
    decision = await decide();
  } catch (error) {
    refusal = error;
  }
  if (decision?.kind === 'replay') return decision;
  if (refusal instanceof NotFound) throw refusal;
  if (expected !== undefined && expected !== actual) {
    throw new Conflict('revision-mismatch', `If-Match expected revision ${expected}, but the stream is at revision ${actual}`);
  }
  if (refusal !== undefined) throw refusal;
  return decision as Decision<E>;
}
