import type { ChildNodeRecord } from '../store/hierarchy-store.js';
import type { ChildState, NodeView } from './sync-messages.js';

/** A child counts as online while its last sync is younger than three sync intervals. */
const ONLINE_INTERVALS = 3;

/** How an admin sees a child node: its last verdict, allocation, usage and reported subtree. */
export function toNodeView(
  c: ChildNodeRecord,
  verdict: { state: ChildState; message: string } | null,
  now: number,
  syncIntervalMs: number,
): NodeView {
  return {
    id: c.id,
    name: c.name,
    hardwareKey: c.hardwareKey,
    countedAs: c.countedAs,
    // Before the first sync since this process started, the node has not been judged yet: it is shown as it was left.
    state: verdict?.state ?? 'active',
    message: verdict?.message ?? 'not synced since this node started',
    licenseState: c.report?.licenseState ?? null,
    licenseSummary: c.report ? licenseSummary(c.report.licenseState) : null,
    registeredAt: new Date(c.registeredAt).toISOString(),
    lastSyncAt: new Date(c.lastSyncAt).toISOString(),
    online: now - c.lastSyncAt < ONLINE_INTERVALS * syncIntervalMs,
    allocation: c.allocation
      ? {
          seq: c.allocationSeq,
          modules: c.allocation,
          updatedAt: c.allocationUpdatedAt ? new Date(c.allocationUpdatedAt).toISOString() : null,
        }
      : null,
    usage: c.report?.usage ?? [],
    children: (c.report?.children ?? []) as NodeView[],
  };
}

/** What a child's reported license state means for its clients, in words an admin of the parent reads. */
export function licenseSummary(state: string): string {
  switch (state) {
    case 'valid':
      return 'licensed: it serves its clients';
    case 'missing':
      return 'running unlicensed: it holds no license or allocation, and refuses client work until one arrives';
    case 'expired':
      return 'running unlicensed: its license or allocation has ended, and it refuses client work until renewed';
    case 'not_yet_valid':
      return 'running unlicensed: its license is not valid yet, and it refuses client work until it starts';
    case 'blocked':
      return 'running unlicensed: its parent blocks it, and it has no license of its own to serve under';
    default:
      return `running unlicensed (${state}): it refuses client work`;
  }
}
