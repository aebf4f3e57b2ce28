import { fail, newId, ok, type Outcome } from '@licensor/protocol';
import type { ChildNodeRecord } from '../store/hierarchy-store.js';
import type { NewEvent, StoredEvent } from '../store/store.js';
import { eventId } from '../store/store.js';
import type { ParentSide } from './parent-side.js';
import type { SyncRequest } from './sync-messages.js';

/**
 * The child a sync comes from, registered on its first sync. Known by its hardware key, so a restart with other
 * flags, another name or a fresh data dir keeps its record. Refused when the key is this node's own, when another
 * node token registered it, or when the token has registered as many children as it may.
 */
export async function registerChild(
  side: ParentSide,
  req: SyncRequest,
  token: { id: string; role: string },
  refresh: () => Promise<void>,
): Promise<Outcome<ChildNodeRecord>> {
  const { node } = side;
  if (req.hardwareKey === node.options.hardwareKey.key)
    return fail('VALIDATION_FAILED', "hardwareKey is this node's own: a node cannot be its own child", {
      field: 'hardwareKey',
    });
  let child = side.children.withHardwareKey(req.hardwareKey);
  if (side.shared) {
    // Another process may have registered this child, or changed its allocation, since this one last saw it.
    const stored = await node.store.hierarchy.findChildByHardwareKey(req.hardwareKey);
    if (stored) {
      child = stored;
      side.children.remember(stored);
      side.totals.update(stored.id, node.clock.now());
    }
  }
  if (child?.tokenId && child.tokenId !== token.id && token.role !== 'admin') {
    return fail(
      'FORBIDDEN',
      'this hardware key is registered by another node token; sync with that token (or forget the node first)',
    );
  }
  if (child) return ok(child);
  if (token.role === 'node') {
    const max = side.options.maxChildrenPerToken ?? 10;
    if (side.shared) await refresh();
    const registered = side.children.registeredBy(token.id);
    if (registered >= max)
      return fail(
        'CHILD_LIMIT_REACHED',
        `this node token has registered ${registered} child nodes, the most this node allows (--max-children-per-token ${max}); forget one or use another token`,
      );
  }
  return ok(await insert(side, req, token.id));
}

/** Stores a new child with its `node.registered` event; when another process registered it first, takes that one. */
async function insert(side: ParentSide, req: SyncRequest, tokenId: string): Promise<ChildNodeRecord> {
  const { node } = side;
  const now = node.clock.now();
  const countedAs = side.countingModule()?.id ?? null;
  let child: ChildNodeRecord = {
    id: newId('node'),
    name: req.name,
    hardwareKey: req.hardwareKey,
    countedAs,
    publicKey: req.publicKey,
    tokenId,
    registeredAt: now,
    lastSyncAt: now,
    report: null,
    allocation: null,
    allocationSeq: 0,
    allocationUpdatedAt: null,
  };
  const event: NewEvent = {
    type: 'node.registered',
    moduleId: countedAs,
    subject: child.id,
    data: { name: req.name, hardwareKey: req.hardwareKey, countedAs },
    at: now,
  };
  try {
    const seq = await node.store.hierarchy.insertChild(child, event);
    node.announce([{ ...event, seq, id: eventId(seq) } as StoredEvent]);
  } catch (err) {
    // Two processes registering the same child at once: the other one won; use its record.
    const stored = side.shared ? await node.store.hierarchy.findChildByHardwareKey(req.hardwareKey) : null;
    if (!stored) throw err;
    child = stored;
  }
  side.children.remember(child);
  return child;
}
