// The SQLite store's hand-written migrations as they were before the one migration list (src/store/sql/migrations.ts):
// kept to build a database the way older releases did, which the store must still open (legacy-schema-contract.ts).

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
  {
    version: 3,
    name: 'billing: accounts, append-only ledger, rental plans, rentals, issued licenses',
    sql: `
      CREATE TABLE billing_accounts (
        id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, customer_name TEXT NOT NULL, currency TEXT NOT NULL,
        created_at INTEGER NOT NULL);
      -- The balance is SUM(amount) per account, never stored twice. Append-only, like the audit log.
      CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL REFERENCES billing_accounts (id),
        kind TEXT NOT NULL CHECK (kind IN ('topup', 'rental_charge', 'refund', 'adjustment')), amount INTEGER NOT NULL,
        currency TEXT NOT NULL, reference TEXT, rental_id TEXT, period_index INTEGER, note TEXT, at INTEGER NOT NULL);
      CREATE INDEX ledger_by_account ON ledger (account_id, seq);
      -- A payment reference is recorded once; a rental period is charged once, whoever races.
      CREATE UNIQUE INDEX ledger_topup_reference ON ledger (reference) WHERE kind = 'topup';
      CREATE UNIQUE INDEX ledger_rental_period ON ledger (rental_id, period_index) WHERE kind = 'rental_charge';
      CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
      CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
      CREATE TABLE rental_plans (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, period TEXT NOT NULL, price INTEGER NOT NULL, currency TEXT NOT NULL,
        grace_ms INTEGER NOT NULL, entitlements TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE rentals (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES billing_accounts (id), plan_id TEXT NOT NULL REFERENCES rental_plans (id),
        license_id TEXT NOT NULL UNIQUE, hardware_key TEXT NOT NULL, scope TEXT NOT NULL, customer_name TEXT NOT NULL,
        anchor_at INTEGER NOT NULL, anchor_index INTEGER NOT NULL, period_index INTEGER NOT NULL,
        period_end INTEGER NOT NULL, status TEXT NOT NULL, warned_index INTEGER NOT NULL DEFAULT -1,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX rentals_due ON rentals (status, period_end);
      -- Every license file this node signed (rentals and temporary licenses), newest last per license id.
      CREATE TABLE issued_licenses (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, license_id TEXT NOT NULL, rental_id TEXT, hardware_key TEXT NOT NULL,
        not_after INTEGER, text TEXT NOT NULL, issued_at INTEGER NOT NULL);
      CREATE INDEX issued_licenses_by_license ON issued_licenses (license_id, seq);
      CREATE INDEX issued_licenses_by_hardware_key ON issued_licenses (hardware_key, seq);
    `,
  },
  {
    version: 4,
    name: 'hierarchy: child nodes and their allocations',
    sql: `
      CREATE TABLE child_nodes (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, hardware_key TEXT NOT NULL UNIQUE, counted_as INTEGER, public_key TEXT NOT NULL,
        token_id TEXT, registered_at INTEGER NOT NULL, last_sync_at INTEGER NOT NULL, report TEXT,
        allocation TEXT, allocation_seq INTEGER NOT NULL DEFAULT 0, allocation_updated_at INTEGER);
    `,
  },
  {
    version: 5,
    name: 'webhooks: endpoints, outbox of deliveries, attempt log',
    sql: `
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL, description TEXT,
        after_seq INTEGER NOT NULL, created_at INTEGER NOT NULL);
      -- The outbox: one row per (webhook, event), so a re-read of the feed never enqueues an event twice.
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE, event_seq INTEGER NOT NULL,
        event_type TEXT NOT NULL, body TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')), attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER, last_status_code INTEGER, last_error TEXT, created_at INTEGER NOT NULL, delivered_at INTEGER,
        UNIQUE (webhook_id, event_seq));
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE TABLE webhook_attempts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL, at INTEGER NOT NULL, status_code INTEGER, error TEXT, duration_ms INTEGER NOT NULL,
        next_retry_at INTEGER);
      CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, seq);
      -- The dispatch cursor over the events feed: the last event sequence number turned into deliveries.
      CREATE TABLE webhook_cursor (slot INTEGER PRIMARY KEY CHECK (slot = 1), seq INTEGER NOT NULL);
    `,
  },
  {
    version: 6,
    name: 'usage samples: used / quantity per module over time',
    sql: `
      -- One row per module per sampling tick; pruned by time, so the index on at serves the retention delete.
      CREATE TABLE usage_samples (
        module_id INTEGER NOT NULL, at INTEGER NOT NULL, used INTEGER NOT NULL, quantity INTEGER, blocked INTEGER NOT NULL,
        PRIMARY KEY (module_id, at)) WITHOUT ROWID;
      CREATE INDEX usage_samples_by_time ON usage_samples (at);
    `,
  },
  {
    version: 7,
    name: 'members: why a member is blocked and the add-ons its license lacks',
    sql: `
      ALTER TABLE members ADD COLUMN blocked_reason TEXT;
      ALTER TABLE members ADD COLUMN missing_features TEXT NOT NULL DEFAULT '[]';
      -- Rows written before: a blocked member was blocked for the quantity.
      UPDATE members SET blocked_reason = 'beyond_quantity' WHERE state = 'blocked';
    `,
  },
];
