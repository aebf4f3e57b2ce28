import type { CommitBatch, PoolSnapshot, StoredEvent } from './store.js';

/**
 * What a store several Licensor processes share (PostgreSQL) adds: pool operations decided on the database's current
 * state under a per-pool lock, and the events feed followed across processes.
 */
export interface SharedPoolStore {
  /**
   * One transaction: locks the pools of `moduleIds` (ascending, so two processes never deadlock), reads their state and
   * the installed license's time, hands them to `decide` (synchronous: nothing else runs between the read and the
   * decision; a throw rolls back), writes the batches it returns, commits. Resolves with the sequence numbers given to
   * each batch's events.
   */
  withPools(
    moduleIds: readonly number[],
    decide: (state: PoolSnapshot, licenseInstalledAt: number | null) => CommitBatch[],
  ): Promise<number[][]>;
  /**
   * Delivers every event committed after `afterSeq`, by any process, in seq order, except those this process wrote
   * itself (their writers hand them to local listeners). Woken by LISTEN/NOTIFY, with a poll as a fallback; picks up
   * where it stopped after the connection comes back. Returns the stop function.
   */
  follow(afterSeq: number, deliver: (events: StoredEvent[]) => Promise<void> | void): () => Promise<void>;
  /** The newest event's sequence number (0 when there is none). */
  headSeq(): Promise<number>;
}
