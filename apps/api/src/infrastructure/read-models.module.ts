import { join } from 'node:path';
import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { UpcastingEventStore } from '#event-store';
import { AsOfQueries, LedgerQueries, ProjectionFollower, ProjectionOperations, openReadModelDb } from '#projections';
import type { LedgerConfig } from '../config.js';
import { AuditReads } from '../http/audit-reads.js';
import { ReadConsistency } from '../http/read-consistency.js';
import { READ_MODELS_FILE } from './data-files.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { FollowersThread } from './followers/followers-thread.js';
import { FollowersModule } from './followers/followers.module.js';
import { ThreadProjectionFollower, ThreadRebuilds } from './followers/thread-followers.js';

/** This thread's writing connection (parked retries, fleet claims): it never waits synchronously for a lock. */
const READ_MODEL_WRITER = Symbol('ReadModelWriter');
/** The queries' connection: in WAL mode reads never wait for writers. */
const READ_MODEL_READER = Symbol('ReadModelReader');

type Db = Database.Database;

/**
 * Starts the projection runner (in the followers thread) with the app, with the `projections` role; on
 * shutdown stops a rebuild and the runner, then closes the connections.
 */
@Injectable()
class ReadModelsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly runner: ProjectionFollower,
    private readonly operations: ProjectionOperations,
    @Inject(READ_MODEL_WRITER) private readonly writer: Db,
    @Inject(READ_MODEL_READER) private readonly reader: Db,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  /** Only a process with the `projections` role keeps the read models (LEDGER_ROLES). */
  onApplicationBootstrap(): void {
    if (this.config.roles.has('projections')) this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.operations.stop();
    await this.runner.stop();
    this.writer.close();
    this.reader.close();
  }
}

/**
 * The read models (DATA_DIR/read-models.sqlite): the projection runner that
 * keeps them current, the queries over them, as-of answers recomputed from
 * the events, operations (status, blue/green rebuild, parked retries) and
 * read-your-writes.
 */
@Module({
  imports: [FollowersModule],
  providers: [
    {
      provide: READ_MODEL_WRITER,
      useFactory: (config: LedgerConfig) => openReadModelDb(join(config.dataDir, READ_MODELS_FILE), 0),
      inject: [LEDGER_CONFIG],
    },
    {
      provide: READ_MODEL_READER,
      useFactory: (config: LedgerConfig) => openReadModelDb(join(config.dataDir, READ_MODELS_FILE)),
      inject: [LEDGER_CONFIG],
    },
    { provide: LedgerQueries, useFactory: (reader: Db) => new LedgerQueries(reader), inject: [READ_MODEL_READER] },
    {
      provide: AsOfQueries,
      useFactory: (events: UpcastingEventStore, reader: Db, config: LedgerConfig) =>
        new AsOfQueries(events, reader, { maxEvents: config.asOfMaxEvents }),
      inject: [UpcastingEventStore, READ_MODEL_READER, LEDGER_CONFIG],
    },
    {
      // The runner itself runs in the followers thread: this is its request-thread side.
      provide: ProjectionFollower,
      useFactory: (thread: FollowersThread, writer: Db) => new ThreadProjectionFollower(thread, writer),
      inject: [FollowersThread, READ_MODEL_WRITER],
    },
    {
      provide: ProjectionOperations,
      // Rebuilds run in the followers thread, beside the live projection.
      useFactory: (events: UpcastingEventStore, runner: ProjectionFollower, writer: Db, thread: FollowersThread) =>
        new ProjectionOperations(events, runner, writer, new ThreadRebuilds(thread)),
      inject: [UpcastingEventStore, ProjectionFollower, READ_MODEL_WRITER, FollowersThread],
    },
    ReadConsistency,
    AuditReads,
    ReadModelsLifecycle,
  ],
  exports: [LedgerQueries, AsOfQueries, ProjectionFollower, ProjectionOperations, ReadConsistency, AuditReads],
})
export class ReadModelsModule {}
