import { Module } from '@nestjs/common';
import { CommandExecutor, type CommandObserver, PartnerPairLoader, ProjectLoader, type WriteSide, openWriteSide } from '#application';
import { UpcastingEventStore } from '#event-store';
import { COMMAND_OBSERVER } from '../observability/observability.module.js';

const WRITE_SIDE = Symbol('WriteSide');

/** The write side command handlers are built on: the executor (load → decide → append) and the aggregates' loaders. */
@Module({
  providers: [
    {
      provide: WRITE_SIDE,
      useFactory: (events: UpcastingEventStore, observer: CommandObserver) => openWriteSide(events, observer),
      inject: [UpcastingEventStore, COMMAND_OBSERVER],
    },
    { provide: CommandExecutor, useFactory: (write: WriteSide) => write.executor, inject: [WRITE_SIDE] },
    { provide: PartnerPairLoader, useFactory: (write: WriteSide) => write.pairs, inject: [WRITE_SIDE] },
    { provide: ProjectLoader, useFactory: (write: WriteSide) => write.projects, inject: [WRITE_SIDE] },
  ],
  exports: [CommandExecutor, PartnerPairLoader, ProjectLoader],
})
export class WriteSideModule {}
