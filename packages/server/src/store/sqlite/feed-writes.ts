import type Database from 'better-sqlite3';
import type { NewAuditRecord, NewEvent } from '../store.js';

/** Appends to the events feed and the audit log of one SQLite file; every SQLite store writes both through this. */
export interface FeedWrites {
  /** Inserts an event; returns its sequence number. */
  insertEvent(e: NewEvent): number;
  /** Appends an audit entry; returns its sequence number. */
  insertAudit(a: NewAuditRecord): number;
}

/** Prepares the feed and audit inserts (call once the tables exist, i.e. after migrate()). */
export function prepareFeedWrites(db: Database.Database): FeedWrites {
  const event = db.prepare('INSERT INTO events (type, module_id, subject, data, at) VALUES (?, ?, ?, ?, ?)');
  const audit = db.prepare(
    'INSERT INTO audit (id, at, actor_token_id, actor_name, action, target, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  return {
    insertEvent: (e) =>
      Number(event.run(e.type, e.moduleId, e.subject, e.data ? JSON.stringify(e.data) : null, e.at).lastInsertRowid),
    insertAudit: (a) =>
      Number(
        audit.run(
          a.id,
          a.at,
          a.actor.tokenId,
          a.actor.name,
          a.action,
          a.target,
          a.details ? JSON.stringify(a.details) : null,
        ).lastInsertRowid,
      ),
  };
}
