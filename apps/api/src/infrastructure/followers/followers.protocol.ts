import type { KeyObject } from 'node:crypto';
import type { RebuildStatus } from '#projections';
import type { SignedTreeHead } from '#transparency';
import type { LedgerConfig } from '../../config.js';

/** What follows the log in the followers thread: the read models' projection runner and the Merkle tree's follower. */
export type FollowerName = 'projections' | 'tree';

/** What the thread is started with (cloned into it). */
export interface FollowersWorkerData {
  readonly store: Pick<LedgerConfig, 'dataDir' | 'eventStore' | 'esdbConnectionString'>;
  /** The read-model file, when this process keeps the read models (the `projections` role). */
  readonly readModelsFile: string | null;
  /** The Merkle tree's file, signing key and head policy, when this process keeps the tree. */
  readonly tree: {
    readonly file: string;
    readonly privateKey: KeyObject;
    readonly everyEvents: number;
    readonly everyMs: number;
  } | null;
}

/** From the request thread to the followers thread. */
export type FollowersRequest =
  | { readonly kind: 'start'; readonly follower: FollowerName }
  | { readonly kind: 'stop'; readonly follower: FollowerName; readonly id: number }
  /** A rebuild was swapped in: the runner takes up the stored checkpoint. */
  | { readonly kind: 'refresh' }
  /** This process's store committed up to `position` (the embedded store): subscriptions read now. */
  | { readonly kind: 'appended'; readonly position: number }
  | { readonly kind: 'sign-head'; readonly id: number; readonly treeSize: number | null }
  /** Start a blue/green rebuild of the read models in the thread: answered once it has claimed the shadow tables. */
  | { readonly kind: 'rebuild'; readonly id: number }
  /** Abort the thread's rebuild and answer once it has ended. */
  | { readonly kind: 'stop-rebuild'; readonly id: number }
  | { readonly kind: 'close' };

/** From the followers thread to the request thread. */
export type FollowersReply =
  | { readonly kind: 'ready'; readonly positions: Readonly<Partial<Record<FollowerName, number>>> }
  | { readonly kind: 'open-failed'; readonly message: string }
  | { readonly kind: 'progress'; readonly follower: FollowerName; readonly position: number; readonly lastError: string | null }
  | { readonly kind: 'stopped'; readonly id: number }
  | { readonly kind: 'signed'; readonly id: number; readonly head: SignedTreeHead }
  | { readonly kind: 'sign-failed'; readonly id: number; readonly message: string; readonly code?: string }
  | { readonly kind: 'rebuild-started'; readonly id: number; readonly status: RebuildStatus }
  /**
   * No rebuild was started: `in-progress` another holds the shadow tables (`status` the running one, when known);
   * `unavailable` the thread keeps no read models or is closing; `failed` it could not start (`code`: the database's
   * error code, such as another process's lock).
   */
  | {
      readonly kind: 'rebuild-refused';
      readonly id: number;
      readonly reason: 'in-progress' | 'unavailable' | 'failed';
      readonly message: string;
      readonly status: RebuildStatus | null;
      readonly code?: string;
    }
  | { readonly kind: 'rebuild-stopped'; readonly id: number }
  /** The thread's rebuild has ended, however it ended (its outcome is in the rebuild record and the log). */
  | { readonly kind: 'rebuild-ended' }
  | {
      readonly kind: 'log';
      readonly follower: FollowerName | 'store';
      readonly level: 'log' | 'warn' | 'error';
      readonly message: string;
      readonly trace?: string;
    }
  | { readonly kind: 'closed' };
