import { openCoordinationStore } from '#api/infrastructure/fleet.module';
import type { CoordinationStore, LeaseValue } from '#fleet';
import { RELAY_LEASE_KEY, type RelayLeaseData } from '#kafka-relay';
import type { ConsumedMessage } from './mock-kafka.js';

export type RelayLease = { readonly version: number; readonly value: LeaseValue<RelayLeaseData> };
type FleetEnv = { dataDir: string; eventStore: 'sqlite' | 'esdb'; esdbConnectionString: string | null };

/** Where the fleet of a data directory keeps its coordination records: its DATA_DIR, or the EventStoreDB it runs on. */
export function fleetOf(dataDir: string, env: Record<string, string> = {}): FleetEnv {
  return env.EVENT_STORE === 'esdb'
    ? { dataDir, eventStore: 'esdb', esdbConnectionString: env.ESDB_CONNECTION_STRING }
    : { dataDir, eventStore: 'sqlite', esdbConnectionString: null };
}

/** Reads the relay's lease record as an operator would, through the fleet's coordination store; keeps one connection. */
export class RelayLeaseReader {
  private constructor(private readonly store: CoordinationStore) {}

  static async open(fleet: FleetEnv): Promise<RelayLeaseReader> {
    return new RelayLeaseReader(await openCoordinationStore(fleet));
  }

  /** The record as the fleet shares it, null before any relay ran. */
  async read(): Promise<RelayLease | null> {
    const record = await this.store.read(RELAY_LEASE_KEY);
    return record ? { version: record.version, value: record.value as LeaseValue<RelayLeaseData> } : null;
  }

  /**
   * Sets the shared checkpoint back to `position` and marks the lease released, as an operator forcing a
   * redelivery would, with every relay stopped (a running leader would find its fence broken and stand by).
   */
  async resetCheckpoint(position: number): Promise<void> {
    const record = await this.read();
    if (!record) throw new Error('no relay lease record to reset');
    const released = { ...record.value, holder: null, expiresAt: 0, data: { ...record.value.data, checkpoint: position } };
    if (!(await this.store.compareAndSet(RELAY_LEASE_KEY, record.version, released)).ok)
      throw new Error('the relay lease changed while it was being reset');
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

export async function resetRelayCheckpoint(fleet: FleetEnv, position: number): Promise<void> {
  const reader = await RelayLeaseReader.open(fleet);
  try {
    await reader.resetCheckpoint(position);
  } finally {
    await reader.close();
  }
}

/** Where repeated deliveries may lie: after the checkpoint a dead or deposed leader stored, at most up to `notAfter`. */
export interface ReplayWindow {
  readonly after: number;
  readonly notAfter?: number;
}

/**
 * What a subscriber may see after relays died or were deposed, checked per key (a key's messages are in one
 * partition, in order): revisions go up by one, except one replay per window that goes back and then up by
 * one again, to where the key had got and on from its highest revision; every message delivered more than
 * once is of an event inside a window (after the last checkpoint the dead or deposed leader stored, and not
 * after `notAfter` when given), delivered at most once more per window. Returns the ids delivered more than once.
 */
export function expectReplaysWithin(messages: readonly ConsumedMessage[], windows: readonly ReplayWindow[]): Set<string> {
  const deliveries = new Map<string, number>();
  for (const { value } of messages) deliveries.set(value.eventId, (deliveries.get(value.eventId) ?? 0) + 1);
  const repeated = new Set([...deliveries].filter(([, count]) => count > 1).map(([id]) => id));
  const byKey = new Map<string, ConsumedMessage['value'][]>();
  for (const { value } of messages) byKey.set(value.streamId, [...(byKey.get(value.streamId) ?? []), value]);
  const inside = (position: number) =>
    windows.filter((window) => position > window.after && (window.notAfter === undefined || position <= window.notAfter)).length;
  const problems: string[] = [];
  for (const id of repeated) {
    const { position } = messages.find((message) => message.value.eventId === id)?.value ?? { position: -1 };
    const allowed = inside(position);
    if (allowed === 0) problems.push(`event ${id} at ${position} repeated outside ${JSON.stringify(windows)}`);
    else if ((deliveries.get(id) ?? 0) > 1 + allowed) problems.push(`event ${id} at ${position} delivered ${deliveries.get(id)} times`);
  }
  for (const [key, values] of byKey) {
    let replays = 0;
    if (values[0].revision !== 0) problems.push(`${key}: first message is revision ${values[0].revision}`);
    // The highest revision delivered so far: after a replay the key goes on from there. (A send a frozen leader had
    // under way lands when it is thawed, amid its successor's: a replay of already-sent events, then the successor's
    // next revision.)
    let highest = values[0].revision;
    for (let i = 1; i < values.length; i++) {
      const [previous, current] = [values[i - 1].revision, values[i].revision];
      if (current === previous + 1 || current === highest + 1) {
        highest = Math.max(highest, current);
        continue;
      }
      if (current <= previous && repeated.has(values[i].eventId)) replays++;
      else problems.push(`${key}: revision ${current} after ${previous}`);
      highest = Math.max(highest, current);
    }
    if (replays > windows.length) problems.push(`${key}: ${replays} replays`);
  }
  expect(problems.slice(0, 10)).toEqual([]);
  return repeated;
}
