import { join } from 'node:path';
import { Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { UpcastingEventStore } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';
import { type TreeSigningKey, loadOrCreateSigningKey } from '#transparency';
import type { LedgerConfig } from '../../config.js';
import { LEDGER_CONFIG } from '../../config.module.js';
import { READ_MODELS_FILE, TREE_FILE } from '../data-files.js';
import { FollowersThread } from './followers-thread.js';
import type { FollowerName } from './followers.protocol.js';

/** The Ed25519 key tree heads are signed with (TREE_SIGNING_KEY_FILE, generated on first start with a warning). */
export const TREE_SIGNING_KEY = Symbol('TreeSigningKey');

const LOG_CONTEXTS: Record<FollowerName | 'store', Logger> = {
  projections: new Logger('Projections'),
  tree: new Logger('Transparency'),
  store: new Logger('Followers'),
};

/** Ends the followers thread at shutdown, once its followers have stopped. */
@Injectable()
class FollowersThreadCloser implements OnApplicationShutdown {
  constructor(private readonly thread: FollowersThread) {}

  onApplicationShutdown(): Promise<void> {
    return this.thread.close();
  }
}

/**
 * The followers thread (followers.worker.ts): the projection runner, with the `projections` role, and
 * the Merkle tree's follower, with the `projections` or `relay` role (the API's proofs, the relay's
 * heads), run there, off the request thread. ReadModelsModule and TransparencyModule hold their
 * request-thread sides (thread-followers.ts).
 */
@Module({
  providers: [
    {
      provide: TREE_SIGNING_KEY,
      useFactory: (config: LedgerConfig) => loadOrCreateSigningKey(config.treeSigningKeyFile, (message) => LOG_CONTEXTS.tree.warn(message)),
      inject: [LEDGER_CONFIG],
    },
    {
      provide: FollowersThread,
      useFactory: (config: LedgerConfig, events: UpcastingEventStore, key: TreeSigningKey) => {
        const keepsTree = config.roles.has('projections') || config.roles.has('relay');
        return new FollowersThread(
          {
            store: { dataDir: config.dataDir, eventStore: config.eventStore, esdbConnectionString: config.esdbConnectionString },
            readModelsFile: config.roles.has('projections') ? join(config.dataDir, READ_MODELS_FILE) : null,
            tree: keepsTree
              ? {
                  file: join(config.dataDir, TREE_FILE),
                  privateKey: key.privateKey,
                  everyEvents: config.treeHeadEveryEvents,
                  everyMs: config.treeHeadEveryMs,
                }
              : null,
          },
          {
            log: (follower, message) => LOG_CONTEXTS[follower].log(message),
            warn: (follower, message) => LOG_CONTEXTS[follower].warn(message),
            error: (follower, message, trace) => LOG_CONTEXTS[follower].error(message, trace),
          },
          // The embedded store: this process's appends wake the thread's subscriptions (EventStoreDB pushes them itself).
          events.stored instanceof SqliteEventStore ? (listener) => (events.stored as SqliteEventStore).onAppended(listener) : undefined,
        );
      },
      inject: [LEDGER_CONFIG, UpcastingEventStore, TREE_SIGNING_KEY],
    },
    FollowersThreadCloser,
  ],
  exports: [FollowersThread, TREE_SIGNING_KEY],
})
export class FollowersModule {}
