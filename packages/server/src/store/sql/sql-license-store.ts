import type { NewAuditRecord, NewEvent } from '../store.js';
import type { SqlHost } from './sql-host.js';

/** The installed license file on either database (table `license`, one row, migration 1). */
export class SqlLicenseStore {
  constructor(private readonly host: SqlHost) {}

  /** The installed license and when it was installed, or null. */
  get(): Promise<{ text: string; installedAt: number } | null> {
    return this.host.read(async (tx) => {
      const r = await tx.first(
        this.host.d.k.selectFrom('license').select(['text', 'installed_at']).where('slot', '=', 1),
      );
      return r ? { text: r.text, installedAt: Number(r.installed_at) } : null;
    });
  }

  /** Replaces the license; its event and audit entry are written in the same transaction. Returns the event's seq. */
  put(text: string, at: number, event: NewEvent, audit?: NewAuditRecord): Promise<number> {
    return this.host.write(async (tx) => {
      await tx.run(
        this.host.d.k
          .insertInto('license')
          .values({ slot: 1, text, installed_at: at })
          .onConflict((oc) =>
            oc.column('slot').doUpdateSet((eb) => ({
              text: eb.ref('excluded.text'),
              installed_at: eb.ref('excluded.installed_at'),
            })),
          ),
      );
      const seq = await tx.insertEvent(event);
      if (audit) await tx.insertAudit(audit);
      return seq;
    });
  }
}
