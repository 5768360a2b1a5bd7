/** What the ledger keeps in DATA_DIR. */

/** The embedded event store (EVENT_STORE=sqlite): the ledger itself. */
export const EVENTS_FILE = 'events.sqlite';
/** The read models the projections keep; rebuilt from the events at will. */
export const READ_MODELS_FILE = 'read-models.sqlite';
/**
 * The coordination store in SQLite mode (the relay's lease and checkpoint), shared by every process on the
 * DATA_DIR; not the events' file, so no reader of events meets its rows. (On EventStoreDB it lives there.)
 */
export const FLEET_FILE = 'fleet.sqlite';
/**
 * Where the relay kept its checkpoint before the fleet shared one (one per DATA_DIR): no longer written.
 * A relay that finds no shared checkpoint starts from the one in this file, once (see LedgerRelay).
 */
export const LEGACY_RELAY_FILE = 'kafka-relay.sqlite';
/** The relay's row in the legacy file's `checkpoints` table. */
export const LEGACY_RELAY_CHECKPOINT = 'kafka-relay';
/** The Merkle tree over the ledger's events and its signed heads (libs/transparency): rebuilt from the events at will. */
export const TREE_FILE = 'merkle-tree.sqlite';
