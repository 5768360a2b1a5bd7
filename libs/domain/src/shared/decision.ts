/** Where an event landed: its 0-based stream revision and its global position. */
export interface RecordedAt {
  readonly revision: number;
  readonly position: number;
}

/**
 * What a decider concluded: new events to append, or that the command is a
 * retry of one already recorded (so the caller answers with the original
 * result and appends nothing).
 */
export type Decision<E> = { readonly kind: 'append'; readonly events: readonly E[] } | { readonly kind: 'replay'; readonly at: RecordedAt };

export function append<E>(...events: E[]): Decision<E> {
  return { kind: 'append', events };
}

export function replayOf<E>(at: RecordedAt): Decision<E> {
  return { kind: 'replay', at };
}

/** Makes a switch over a union fail to compile when a new member is not handled. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
