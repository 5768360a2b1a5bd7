import { join } from 'node:path';
import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { CoordinationStore } from '#fleet';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { FLEET_FILE } from './data-files.js';

/** The token of the coordination store every replica shares: `@Inject(COORDINATION_STORE) store: CoordinationStore`. */
export const COORDINATION_STORE = Symbol('CoordinationStore');

/**
 * Opens the coordination store on the configured store: beside the events in
 * DATA_DIR/fleet.sqlite (one DATA_DIR is what several processes share in
 * SQLite mode), or in `ledger-fleet-…` streams of the same EventStoreDB. The
 * adapter is loaded only when chosen.
 */
export async function openCoordinationStore(
  config: Pick<LedgerConfig, 'dataDir' | 'eventStore' | 'esdbConnectionString'>,
): Promise<CoordinationStore> {
  if (config.eventStore === 'esdb' && config.esdbConnectionString) {
    const { EsdbCoordinationStore } = await import('#fleet/esdb');
    return new EsdbCoordinationStore(config.esdbConnectionString);
  }
  const { SqliteCoordinationStore } = await import('#fleet/sqlite');
  return new SqliteCoordinationStore(join(config.dataDir, FLEET_FILE));
}

/** Closes the coordination store once the relay that holds a lease in it has stopped (a global module's hook runs last). */
@Injectable()
class CoordinationStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(COORDINATION_STORE) private readonly store: CoordinationStore) {}

  onApplicationShutdown(): Promise<void> {
    return this.store.close();
  }
}

/** The coordination store (leases; what the fleet's processes share beside the events), for every module. */
@Global()
@Module({
  providers: [
    { provide: COORDINATION_STORE, useFactory: (config: LedgerConfig) => openCoordinationStore(config), inject: [LEDGER_CONFIG] },
    CoordinationStoreCloser,
  ],
  exports: [COORDINATION_STORE],
})
export class FleetModule {}
