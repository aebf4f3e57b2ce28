import type { SqlHost } from './sql-host.js';

/** The node's key-value settings on either database (table `meta`, migration 1). */
export class SqlMetaStore {
  constructor(private readonly host: SqlHost) {}

  /** The value of `key`, or null. */
  get(key: string): Promise<string | null> {
    return this.host.read(async (tx) => {
      const r = await tx.first(this.host.d.k.selectFrom('meta').select('value').where('key', '=', key));
      return r ? r.value : null;
    });
  }

  /** Sets `key`, replacing any value. */
  set(key: string, value: string): Promise<void> {
    return this.host.read(async (tx) => {
      await tx.run(
        this.host.d.k
          .insertInto('meta')
          .values({ key, value })
          .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))),
      );
    });
  }

  /** Sets `key` unless it has a value; returns the stored value (the first writer's, whoever races). */
  init(key: string, value: string): Promise<string> {
    return this.host.read(async (tx) => {
      const k = this.host.d.k;
      await tx.run(
        k
          .insertInto('meta')
          .values({ key, value })
          .onConflict((oc) => oc.column('key').doNothing()),
      );
      const r = await tx.first(k.selectFrom('meta').select('value').where('key', '=', key));
      if (!r) throw new Error(`meta ${key} vanished after it was set`);
      return r.value;
    });
  }
}
