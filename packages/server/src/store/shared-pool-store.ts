import type { PoolOwnershipLocks } from './pool-ownership-locks.js';
import type { StoredEvent } from './store.js';

/**
 * What a store several Licensor processes share (PostgreSQL) adds: pool ownership (each pool decided by one process at
 * a time, its commits fenced by the owner's epoch) and the events feed followed across processes.
 */
export interface SharedPoolStore {
  /** Opens the connection that holds this process's pool locks; `onLost` runs once if that connection dies. */
  openOwnership(onLost: () => void): PoolOwnershipLocks;
  /**
   * Delivers every event committed after `afterSeq`, by any process, in seq order, except those this process wrote
   * itself (their writers hand them to local listeners). Woken by LISTEN/NOTIFY, with a poll as a fallback; picks up
   * where it stopped after the connection comes back. Returns the stop function.
   */
  follow(afterSeq: number, deliver: (events: StoredEvent[]) => Promise<void> | void): () => Promise<void>;
  /** The newest event's sequence number (0 when there is none). */
  headSeq(): Promise<number>;
}
