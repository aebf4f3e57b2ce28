import type { ChildNodeRecord } from '../store/hierarchy-store.js';

/** The children a parent knows, by id and by hardware key, with how many each node token registered. */
export class ChildRegistry {
  private readonly byId = new Map<string, ChildNodeRecord>();
  private readonly idByHardwareKey = new Map<string, string>();
  private readonly perToken = new Map<string, number>();

  /** One child by its id. */
  get(id: string): ChildNodeRecord | undefined {
    return this.byId.get(id);
  }

  /** One child by its hardware key. */
  withHardwareKey(hardwareKey: string): ChildNodeRecord | undefined {
    return this.byId.get(this.idByHardwareKey.get(hardwareKey) ?? '');
  }

  /** Every child, in the order they became known. */
  all(): IterableIterator<ChildNodeRecord> {
    return this.byId.values();
  }

  /** Child ids, in the order they became known. */
  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  /** How many children this node token registered. */
  registeredBy(tokenId: string): number {
    return this.perToken.get(tokenId) ?? 0;
  }

  /** Adds a child, or replaces the record held for it. */
  remember(c: ChildNodeRecord): void {
    this.unindex(c.id);
    this.byId.set(c.id, c);
    this.idByHardwareKey.set(c.hardwareKey, c.id);
    if (c.tokenId) this.perToken.set(c.tokenId, (this.perToken.get(c.tokenId) ?? 0) + 1);
  }

  /** Removes a child (nothing when unknown). */
  drop(id: string): void {
    this.unindex(id);
    this.byId.delete(id);
  }

  /** Takes a child out of the hardware-key index and its token's count (the record stays, in its place). */
  private unindex(id: string): void {
    const c = this.byId.get(id);
    if (!c) return;
    if (this.idByHardwareKey.get(c.hardwareKey) === id) this.idByHardwareKey.delete(c.hardwareKey);
    if (c.tokenId) this.perToken.set(c.tokenId, (this.perToken.get(c.tokenId) ?? 1) - 1);
  }

  /** Starts over from the children as stored. */
  replaceAll(children: Iterable<ChildNodeRecord>): void {
    this.byId.clear();
    this.idByHardwareKey.clear();
    this.perToken.clear();
    for (const c of children) this.remember(c);
  }
}
