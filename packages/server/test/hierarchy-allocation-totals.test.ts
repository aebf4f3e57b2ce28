// The running totals of what children hold must always equal the sum recomputed over every child from scratch:
// random allocations, documents issued, sites forgotten and time passing (documents ending), with restarts between.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllocationTotals } from '../src/hierarchy/allocation-totals.js';
import { IssuedDocuments } from '../src/hierarchy/issued-documents.js';

/** A tiny seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** An in-memory meta table, shared across the restarts of one run. */
function memoryMeta() {
  const meta = new Map<string, string>();
  return {
    meta,
    getMeta: async (k: string) => meta.get(k) ?? null,
    setMeta: async (k: string, v: string) => {
      meta.set(k, v);
    },
  };
}

const sorted = (m: ReadonlyMap<number, number>) => [...m].filter(([, v]) => v !== 0).sort((a, b) => a[0] - b[0]);

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`incremental allocation totals equal the full recompute (seed ${seed})`, async () => {
    const rnd = random(seed);
    const windowMs = 1_000;
    const store = memoryMeta();
    const allocations = new Map<string, Record<string, number> | null>();
    let docs = new IssuedDocuments(store, windowMs);
    const totalsFor = (d: IssuedDocuments) =>
      new AllocationTotals((id, now) => d.share(id, allocations.get(id) ?? null, now));
    let totals = totalsFor(docs);
    // Recomputed the way the parent counted before: from the stored documents, every child and forgotten child.
    const full = (now: number) => {
      type Entry = { modules: Record<string, number>; until: number };
      const ceiling = (entries: Entry[], into = new Map<number, number>()) => {
        for (const e of entries)
          if (e.until > now)
            for (const [k, q] of Object.entries(e.modules)) into.set(Number(k), Math.max(into.get(Number(k)) ?? 0, q));
        return into;
      };
      const sum = new Map<number, number>();
      const add = (m: Map<number, number>) => {
        for (const [k, q] of m) sum.set(k, (sum.get(k) ?? 0) + q);
      };
      for (const [id, a] of allocations) {
        const own = new Map(Object.entries(a ?? {}).map(([k, q]) => [Number(k), q]));
        add(ceiling(JSON.parse(store.meta.get(`hierarchy.issued.${id}`) || '[]') as Entry[], own));
      }
      const forgotten = JSON.parse(store.meta.get('hierarchy.issued.forgotten') || '{}') as Record<string, Entry[]>;
      for (const entries of Object.values(forgotten)) add(ceiling(entries));
      return sum;
    };
    let now = 1_000_000;
    let next = 0;
    for (let step = 0; step < 600; step++) {
      const ids = [...allocations.keys()];
      const pick = () => ids[rnd(ids.length)] as string;
      const op = rnd(10);
      if (op === 0 || ids.length === 0) {
        const id = `node_${next++}`;
        allocations.set(id, null);
        totals.update(id, now);
      } else if (op <= 2) {
        const id = pick();
        const modules: Record<string, number> = {};
        for (const m of [2001, 4001, 5001]) if (rnd(2)) modules[String(m)] = 1 + rnd(5);
        allocations.set(id, modules);
        totals.update(id, now);
      } else if (op <= 5) {
        const id = pick();
        const a = allocations.get(id);
        if (a && (await docs.issued(id, a, now))) totals.update(id, now);
      } else if (op === 6) {
        const id = pick();
        allocations.delete(id);
        await docs.forget(id, now);
        totals.update(id, now);
      } else if (op === 7) {
        // A restart: documents reloaded from the meta table, totals rebuilt once.
        docs = new IssuedDocuments(store, windowMs);
        await docs.load([...allocations.keys()], now);
        totals = totalsFor(docs);
        totals.rebuild([...allocations.keys(), ...docs.forgottenIds()], now);
      } else now += rnd(400);
      assert.deepEqual(sorted(totals.at(now)), sorted(full(now)), `step ${step}, op ${op}, at ${now}`);
    }
  });
}
