import { type LeafFilter, ledgerStreamsFilter } from '#transparency';
import { LEDGER_STREAM_PREFIXES } from './open-event-store.js';

/** The leaves of the ledger's tree: events of the ledger's streams only (never system events, never fleet records). */
export const LEDGER_LEAVES: LeafFilter = ledgerStreamsFilter(LEDGER_STREAM_PREFIXES);
