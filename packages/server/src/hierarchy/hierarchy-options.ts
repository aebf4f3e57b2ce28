/** Settings a parent node gives its children. */
export interface HierarchyOptions {
  /** How often children sync. */
  syncIntervalMs: number;
  /** How long an allocation document stays valid without a sync: the child's offline grace. */
  allocationWindowMs: number;
  /** Child nodes one `node` token may register (default 10); admin tokens are not capped. */
  maxChildrenPerToken?: number;
}

/** Defaults that suit a restaurant chain whose links fail for hours: sync every minute, serve three days offline. */
export const DEFAULT_HIERARCHY_OPTIONS: HierarchyOptions = {
  syncIntervalMs: 60_000,
  allocationWindowMs: 72 * 3_600_000,
};
