/** One reading of a pool: how much of it was in use at `at`. */
export interface UsageSample {
  moduleId: number;
  at: number;
  /** Slots held, members active or the reported count, as the pool counts its use. */
  used: number;
  /** The licensed quantity at that time; null = unlimited. */
  quantity: number | null;
  /** Members blocked (BLOCK_LATEST pools); 0 elsewhere. */
  blocked: number;
}

/** Usage samples the node records on a timer, kept for a retention period (dashboard charts). */
export interface UsageStore {
  /** Writes one tick's samples in one transaction; a sample for the same module and time replaces the earlier one. */
  record(samples: UsageSample[]): Promise<void>;
  /** Samples in `[from, to]`, oldest first, at most `limit`; every module unless `moduleId` is given. */
  list(q: { moduleId?: number; from: number; to: number; limit: number }): Promise<UsageSample[]>;
  /** Deletes samples taken before `before`; returns how many were deleted. */
  prune(before: number): Promise<number>;
}
