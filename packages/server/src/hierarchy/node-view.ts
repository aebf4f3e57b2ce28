import type { ChildNodeRecord } from '../store/hierarchy-store.js';
import type { ChildState, NodeView } from './sync-messages.js';

/** A child counts as online while its last sync is younger than three sync intervals. */
const ONLINE_INTERVALS = 3;

/** How an admin sees a child node: its last verdict, allocation, usage and reported subtree. */
export function toNodeView(c: ChildNodeRecord, verdict: { state: ChildState; message: string } | null, now: number, syncIntervalMs: number): NodeView {
  return {
    id: c.id,
    name: c.name,
    hardwareKey: c.hardwareKey,
    countedAs: c.countedAs,
    // Before the first sync since this process started, the node has not been judged yet: it is shown as it was left.
    state: verdict?.state ?? 'active',
    message: verdict?.message ?? 'not synced since this node started',
    licenseState: c.report?.licenseState ?? null,
    registeredAt: new Date(c.registeredAt).toISOString(),
    lastSyncAt: new Date(c.lastSyncAt).toISOString(),
    online: now - c.lastSyncAt < ONLINE_INTERVALS * syncIntervalMs,
    allocation: c.allocation ? { seq: c.allocationSeq, modules: c.allocation, updatedAt: c.allocationUpdatedAt ? new Date(c.allocationUpdatedAt).toISOString() : null } : null,
    usage: c.report?.usage ?? [],
    children: (c.report?.children ?? []) as NodeView[],
  };
}
