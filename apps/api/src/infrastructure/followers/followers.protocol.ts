import type { KeyObject } from 'node:crypto';
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
  | { readonly kind: 'close' };

/** From the followers thread to the request thread. */
export type FollowersReply =
  | { readonly kind: 'ready'; readonly positions: Readonly<Partial<Record<FollowerName, number>>> }
  | { readonly kind: 'open-failed'; readonly message: string }
  | { readonly kind: 'progress'; readonly follower: FollowerName; readonly position: number; readonly lastError: string | null }
  | { readonly kind: 'stopped'; readonly id: number }
  | { readonly kind: 'signed'; readonly id: number; readonly head: SignedTreeHead }
  | { readonly kind: 'sign-failed'; readonly id: number; readonly message: string; readonly code?: string }
  | {
      readonly kind: 'log';
      readonly follower: FollowerName | 'store';
      readonly level: 'log' | 'warn' | 'error';
      readonly message: string;
      readonly trace?: string;
    }
  | { readonly kind: 'closed' };
