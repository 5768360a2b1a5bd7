/**
 * The coordination store: a few small records every process of a fleet
 * reads and writes (the Kafka relay's lease today; heartbeats and the like
 * later), each changed only by compare-and-set on its version. The version is
 * the fence: a writer that read version N can only write if nobody else wrote
 * since, so two processes can never both believe their write won.
 *
 * These records are not ledger events: the SQLite adapter keeps them in a file
 * of their own (DATA_DIR/fleet.sqlite), the EventStoreDB adapter in streams
 * named `ledger-fleet-…`, outside the ledger's stream prefixes, so they are
 * never read, projected, exported, relayed or hashed as events.
 */

/** A record's value: a plain JSON object. */
export type FleetValue = Readonly<Record<string, unknown>>;

export interface FleetRecord<T extends FleetValue = FleetValue> {
  readonly key: string;
  /** 0 when the record is first written, then one more on every write. */
  readonly version: number;
  readonly value: T;
}

/** `absent`: the record must not exist yet; a number: it must be at exactly that version. */
export type ExpectedVersion = number | 'absent';

export type CompareAndSetResult<T extends FleetValue = FleetValue> =
  | { readonly ok: true; readonly record: FleetRecord<T> }
  /** Someone else wrote first: the record as it now is (null: it does not exist). */
  | { readonly ok: false; readonly current: FleetRecord | null };

export interface CoordinationStore {
  /** The record as last written, or null if it was never written. */
  read(key: string): Promise<FleetRecord | null>;
  /** Writes `value` if the record is at `expected`; otherwise writes nothing and answers what is there. */
  compareAndSet<T extends FleetValue>(key: string, expected: ExpectedVersion, value: T): Promise<CompareAndSetResult<T>>;
  close(): Promise<void>;
}

/** Keys are short lowercase names (`relay-lease`): they become part of a stream name on EventStoreDB. */
const KEY = /^[a-z0-9][a-z0-9-]{0,99}$/;

export class InvalidFleetRecord extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFleetRecord';
  }
}

/** Checks what both adapters require of a key, an expected version and a value before touching storage. */
export function validateFleetWrite(key: string, expected: ExpectedVersion, value: unknown): void {
  validateFleetKey(key);
  if (expected !== 'absent' && !(Number.isSafeInteger(expected) && expected >= 0))
    throw new InvalidFleetRecord(`invalid expected version ${String(expected)}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidFleetRecord(`a fleet record's value must be a JSON object`);
}

export function validateFleetKey(key: string): void {
  if (typeof key !== 'string' || !KEY.test(key))
    throw new InvalidFleetRecord(`invalid fleet record key ${JSON.stringify(key)}: 1-100 lowercase letters, digits or '-'`);
}
