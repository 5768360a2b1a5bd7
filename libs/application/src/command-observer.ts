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
 * What the write side tells whoever watches it (metrics, logs), without
 * knowing who that is. Called synchronously; an observer must not throw.
 */
export interface CommandObserver {
  commandHandled(report: CommandReport): void;
  eventsAppended(report: AppendReport): void;
}

/** Tells every observer, in order. */
export function observers(...list: CommandObserver[]): CommandObserver {
  return {
    commandHandled: (report) => list.forEach((observer) => observer.commandHandled(report)),
    eventsAppended: (report) => list.forEach((observer) => observer.eventsAppended(report)),
  };
}

export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
