import { DomainError } from '#domain';
import type { AppendResult, EventStore, NewEvent } from '#event-store';
import { WrongExpectedRevision } from '#event-store';

/** How a command ended: `created` appended events, `replayed` was a retry, `refused` a domain error, `failed` anything else. */
export type CommandOutcome = 'created' | 'replayed' | 'refused' | 'failed';

export interface CommandReport {
  /** The command's type, as the domain names it (`SignProject`, `DisburseFunds`, …). */
  readonly command: string;
  readonly outcome: CommandOutcome;
  /** The refusal's code (`exceeds-remaining-pledge`, …) when refused. */
  readonly code?: string;
  readonly durationSeconds: number;
}

export interface AppendReport {
  readonly result: 'appended' | 'wrong-expected-revision' | 'error';
  readonly events: number;
  readonly durationSeconds: number;
}

/**
 * What the write side tells whoever watches it (metrics), without knowing
 * who that is. Called synchronously; an observer must not throw.
 */
export interface CommandObserver {
  commandHandled(report: CommandReport): void;
  eventsAppended(report: AppendReport): void;
}

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs a command, telling the observer how it ended and how long it took. */
export async function observeCommand<T extends { outcome: 'created' | 'replayed' }>(observer: CommandObserver | undefined, command: string, run: () => Promise<T>): Promise<T> {
  if (!observer) return run();
  const start = process.hrtime.bigint();
  try {
    const result = await run();
    observer.commandHandled({ command, outcome: result.outcome, durationSeconds: secondsSince(start) });
    return result;
  } catch (error) {
    const refused = error instanceof DomainError;
    observer.commandHandled({ command, outcome: refused ? 'refused' : 'failed', code: refused ? error.code : undefined, durationSeconds: secondsSince(start) });
    throw error;
  }
}

/** The store, with every append timed for the observer (latency as the command sees it, group commit and fsync included). */
export function observeAppends(store: EventStore, observer: CommandObserver | undefined): EventStore {
  if (!observer) return store;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'appendToStream') {
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (streamId: string, events: readonly NewEvent[], options?: Parameters<EventStore['appendToStream']>[2]): Promise<AppendResult> => {
        const start = process.hrtime.bigint();
        try {
          const result = await target.appendToStream(streamId, events, options);
          observer.eventsAppended({ result: 'appended', events: events.length, durationSeconds: secondsSince(start) });
          return result;
        } catch (error) {
          observer.eventsAppended({ result: error instanceof WrongExpectedRevision ? 'wrong-expected-revision' : 'error', events: events.length, durationSeconds: secondsSince(start) });
          throw error;
        }
      };
    },
  });
}
