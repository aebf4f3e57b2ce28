/** Versioned schema migrations of the SQLite store; each runs once, in order, inside a transaction. */
export const SQLITE_MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE license (slot INTEGER PRIMARY KEY CHECK (slot = 1), text TEXT NOT NULL, installed_at INTEGER NOT NULL);
      CREATE TABLE leases (
        module_id INTEGER NOT NULL, holder_id TEXT NOT NULL, lease_id TEXT NOT NULL, session_id TEXT,
        acquired_at INTEGER NOT NULL, last_heartbeat_at INTEGER NOT NULL, last_activity_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL, PRIMARY KEY (module_id, holder_id)) WITHOUT ROWID;
      CREATE TABLE members (
        module_id INTEGER NOT NULL, member_id TEXT NOT NULL, seq INTEGER NOT NULL, first_connected_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL, state TEXT NOT NULL, features TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (module_id, member_id)) WITHOUT ROWID;
      CREATE TABLE quotas (module_id INTEGER PRIMARY KEY, count INTEGER NOT NULL, reported_at INTEGER NOT NULL, state TEXT NOT NULL);
      -- Append-only and never pruned from the top, so the rowid alone is a safe, monotonic cursor (no AUTOINCREMENT
      -- bookkeeping, no secondary index on the hot path).
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY, type TEXT NOT NULL, module_id INTEGER, subject TEXT, data TEXT, at INTEGER NOT NULL);
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL, revoked_at INTEGER);
      CREATE TABLE idempotency (
        token_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
        body TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (token_id, key)) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'append-only audit log',
    sql: `
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, at INTEGER NOT NULL,
        actor_token_id TEXT, actor_name TEXT NOT NULL, action TEXT NOT NULL, target TEXT, details TEXT);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
];
