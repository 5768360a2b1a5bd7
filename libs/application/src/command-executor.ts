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

const MAX_ATTEMPTS = 5;

/**
 * Load → decide → append, the one path every command takes. Appends expect
 * the revision that was loaded; if another writer got there first the command
 * is decided again on fresh state (unless the client pinned a revision with
 * If-Match, which then fails as a conflict). The observer hears how each
 * command ended and how long it took.
 */
export class CommandExecutor {
  private readonly mutex = new KeyedMutex();

  constructor(
    /** Where events are appended (for metrics, an ObservedEventStore around the store). */
    private readonly store: EventStore,
    /** The schema version each event type is written with today (the domain's currentSchemaVersion). */
    private readonly schemaVersion: (type: string) => number,
    private readonly observer?: CommandObserver,
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
        code: refused ? error.code : undefined,
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
        if (context.expectedRevision !== undefined || attempt >= MAX_ATTEMPTS) {
          throw new Conflict('concurrent-modification', `${streamId} was changed by another command; read it again and retry`);
        }
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
