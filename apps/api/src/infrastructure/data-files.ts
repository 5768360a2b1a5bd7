/** What the ledger keeps in DATA_DIR. */

/** The embedded event store (EVENT_STORE=sqlite): the ledger itself. */
export const EVENTS_FILE = 'events.sqlite';
/** The read models the projections keep; rebuilt from the events at will. */
export const READ_MODELS_FILE = 'read-models.sqlite';
/** The relay's checkpoint lives apart from the read models: rebuilding or deleting them must not republish history. */
export const RELAY_FILE = 'kafka-relay.sqlite';
/** The Merkle tree over the ledger's events and its signed heads (libs/transparency): rebuilt from the events at will. */
export const TREE_FILE = 'merkle-tree.sqlite';
