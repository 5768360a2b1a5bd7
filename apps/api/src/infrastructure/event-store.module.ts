import { Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { UpcastingEventStore } from '#event-store';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { openEventStore } from './open-event-store.js';

/** Closes the store once everything that reads or writes it has stopped (a global module's shutdown hook runs last). */
@Injectable()
class EventStoreCloser implements OnApplicationShutdown {
  constructor(private readonly events: UpcastingEventStore) {}

  onApplicationShutdown(): Promise<void> {
    return this.events.close();
  }
}

/** The event store, as `UpcastingEventStore` (upcast on read; `.stored` is the store itself), for every module. */
@Global()
@Module({
  providers: [
    { provide: UpcastingEventStore, useFactory: (config: LedgerConfig) => openEventStore(config), inject: [LEDGER_CONFIG] },
    EventStoreCloser,
  ],
  exports: [UpcastingEventStore],
})
export class EventStoreModule {}
