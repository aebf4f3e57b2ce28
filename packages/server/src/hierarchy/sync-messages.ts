import type { UsageLine } from '../store/hierarchy-store.js';

/** What a child node sends its parent on every sync (the first one registers it). */
export interface SyncRequest {
  hardwareKey: string;
  name: string;
  /**
   * Accepted for compatibility and ignored: the parent counts every child in the pool of the child-node module it
   * holds (1003 in the OpenService catalog), whatever the child asks.
   */
  countedAs: number | null;
  publicKey: string;
  /** Sequence number of the allocation the child holds (null: none). */
  allocationSeq: number | null;
  licenseState: string;
  usage: UsageLine[];
  children: NodeView[];
}

/** The parent's verdict on a child: serve under the allocation, blocked by the subordinate-server limit, or nothing to give. */
export type ChildState = 'active' | 'blocked' | 'unlicensed';

/** The parent's answer to a sync. */
export interface SyncResponse {
  nodeId: string;
  state: ChildState;
  message: string;
  /** When to sync next. */
  syncIntervalMs: number;
  /**
   * The armored allocation document; for a blocked child, a signed withdrawal (a document granting nothing, with a
   * higher seq); null when the child gets nothing (unlicensed parent, no allocation yet).
   */
  allocation: string | null;
  parent: { nodeId: string; publicKey: string };
  /**
   * The newest license file the parent signed for the child's hardware key (a vendor node renewing a rental or
   * extending a temporary license), or null; the child installs it when it renews the license it holds.
   */
  license?: string | null;
}

/** A node of the enterprise tree as an admin sees it: sync state, allocation, usage and its own children. */
export interface NodeView {
  id: string;
  name: string;
  hardwareKey: string;
  /** The module whose pool counts this child on the parent (the parent's choice), or null when it holds none. */
  countedAs: number | null;
  state: ChildState;
  message: string;
  /** The license state the child last reported (`valid`, `missing`, `expired`, …), or null before its first report. */
  licenseState: string | null;
  /** That state in words: a child that reports anything but `valid` is running unlicensed, and says so here. */
  licenseSummary: string | null;
  registeredAt: string;
  lastSyncAt: string;
  online: boolean;
  allocation: { seq: number; modules: Record<string, number>; updatedAt: string | null } | null;
  usage: UsageLine[];
  children: NodeView[];
}
