import type { Store } from '../store/store.js';
import type { Share } from './allocation-totals.js';

/** Quantities of allocation documents issued to one child with the same content, and when the last of them ends. */
export interface IssuedEntry {
  modules: Record<string, number>;
  until: number;
}

const childKey = (childId: string) => `hierarchy.issued.${childId}`;
const FORGOTTEN_KEY = 'hierarchy.issued.forgotten';

/** Per module, the largest quantity of the entries still valid at `now`. */
function ceilingOf(entries: readonly IssuedEntry[], now: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of entries) {
    if (e.until <= now) continue;
    for (const [k, q] of Object.entries(e.modules)) out.set(Number(k), Math.max(out.get(Number(k)) ?? 0, q));
  }
  return out;
}

const live = (entries: readonly IssuedEntry[], now: number) => entries.filter((e) => e.until > now);
const sameModules = (a: Record<string, number>, b: Record<string, number>) => {
  const ka = Object.keys(a).filter((k) => a[k]! > 0);
  const kb = Object.keys(b).filter((k) => b[k]! > 0);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
};

/**
 * What a parent has handed its children in signed allocation documents that are still valid. A document cannot be
 * called back — a site keeps serving on it offline until its window ends — so lowering a child's allocation, or
 * forgetting the child, frees nothing for others until the documents it already holds have ended. Kept in the store's
 * meta table; an end is written ahead by a quarter window, so a child syncing every minute costs no write per sync.
 */
export class IssuedDocuments {
  private readonly byChild = new Map<string, IssuedEntry[]>();
  private forgotten = new Map<string, IssuedEntry[]>();

  constructor(
    private readonly store: Pick<Store, 'getMeta' | 'setMeta'>,
    private readonly windowMs: number,
  ) {}

  /** Loads what was issued to these children, and to children forgotten while their documents were valid. */
  async load(childIds: readonly string[], now: number): Promise<void> {
    for (const id of childIds) {
      const raw = await this.store.getMeta(childKey(id));
      if (raw) this.byChild.set(id, live(JSON.parse(raw) as IssuedEntry[], now));
    }
    const raw = await this.store.getMeta(FORGOTTEN_KEY);
    if (raw)
      this.forgotten = new Map(
        Object.entries(JSON.parse(raw) as Record<string, IssuedEntry[]>).map(([k, v]) => [k, live(v, now)]),
      );
  }

  /**
   * Records a document issued to a child at `now` with these quantities (valid for the window). True when what is
   * recorded changed (a new entry, or an end moved ahead), so the child's share must be counted again.
   */
  async issued(childId: string, modules: Record<string, number>, now: number): Promise<boolean> {
    const entries = live(this.byChild.get(childId) ?? [], now);
    const same = entries.find((e) => sameModules(e.modules, modules));
    const end = now + this.windowMs;
    if (same && same.until >= end) return false;
    if (same) same.until = end + Math.floor(this.windowMs / 4);
    else entries.push({ modules: { ...modules }, until: end + Math.floor(this.windowMs / 4) });
    this.byChild.set(childId, entries);
    await this.store.setMeta(childKey(childId), JSON.stringify(entries));
    return true;
  }

  /**
   * What a child (or a forgotten one, with `allocation` null) counts for at `now`: per module, the larger of its
   * allocation and what its still-valid documents grant; and when the first of those documents ends.
   */
  share(childId: string, allocation: Record<string, number> | null, now: number): Share {
    const entries = live([...(this.byChild.get(childId) ?? []), ...(this.forgotten.get(childId) ?? [])], now);
    const modules = ceilingOf(entries, now);
    for (const [k, q] of Object.entries(allocation ?? {}))
      modules.set(Number(k), Math.max(modules.get(Number(k)) ?? 0, q));
    for (const [k, q] of modules) if (q === 0) modules.delete(k);
    return { modules, until: Math.min(...entries.map((e) => e.until)) };
  }

  /** Forgotten children whose documents may still be valid. */
  forgottenIds(): Iterable<string> {
    return this.forgotten.keys();
  }

  /** A child forgotten: its still-valid documents keep counting until they end. */
  async forget(childId: string, now: number): Promise<void> {
    const entries = live(this.byChild.get(childId) ?? [], now);
    // Moved before any await, and stored as forgotten before the child's own entry is cleared: at no moment (nor
    // after a crash between the two writes) do its documents count nowhere.
    for (const [k, v] of this.forgotten) if (!live(v, now).length) this.forgotten.delete(k);
    if (entries.length) this.forgotten.set(childId, entries);
    this.byChild.delete(childId);
    await this.store.setMeta(FORGOTTEN_KEY, JSON.stringify(Object.fromEntries(this.forgotten)));
    await this.store.setMeta(childKey(childId), '');
  }
}
