// The PostgreSQL store's hand-written migrations as they were before the one migration list
// (src/store/sql/migrations.ts): kept to build a schema the way older releases did, which the store must still open.

/**
 * Versioned schema migrations of the PostgreSQL store. Version numbers follow the SQLite store's (1 initial, 2 audit,
 * 3 billing, 4 hierarchy, 5 webhooks, 6 usage samples, 7 member block reasons) so one number means one feature on both stores. Each runs once,
 * in order, in its own transaction, under an advisory lock so processes starting together apply it once.
 */
export const POSTGRES_MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE license (slot INTEGER PRIMARY KEY CHECK (slot = 1), text TEXT NOT NULL, installed_at BIGINT NOT NULL);
      CREATE TABLE leases (
        module_id INTEGER NOT NULL, holder_id TEXT NOT NULL, lease_id TEXT NOT NULL, session_id TEXT,
        acquired_at BIGINT NOT NULL, last_heartbeat_at BIGINT NOT NULL, last_activity_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL, PRIMARY KEY (module_id, holder_id));
      CREATE TABLE members (
        module_id INTEGER NOT NULL, member_id TEXT NOT NULL, seq BIGINT NOT NULL, first_connected_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL, state TEXT NOT NULL, features TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (module_id, member_id));
      CREATE TABLE quotas (module_id INTEGER PRIMARY KEY, count BIGINT NOT NULL, reported_at BIGINT NOT NULL, state TEXT NOT NULL);
      -- seq is given by the writer under the feed lock (max + 1), so commit order is seq order and the cursor never
      -- skips an event that commits late.
      CREATE TABLE events (
        seq BIGINT PRIMARY KEY, type TEXT NOT NULL, module_id INTEGER, subject TEXT, data TEXT, at BIGINT NOT NULL);
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL, revoked_at BIGINT);
      CREATE TABLE idempotency (
        token_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
        body TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (token_id, key));
    `,
  },
  {
    version: 2,
    name: 'append-only audit log',
    sql: `
      CREATE TABLE audit (
        seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, at BIGINT NOT NULL,
        actor_token_id TEXT, actor_name TEXT NOT NULL, action TEXT NOT NULL, target TEXT, details TEXT);
      CREATE FUNCTION licensor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the % is append-only', TG_ARGV[0]; END $$;
      CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION licensor_append_only('audit log');
    `,
  },
  {
    version: 3,
    name: 'billing: accounts, append-only ledger, rental plans, rentals, issued licenses',
    sql: `
      CREATE TABLE billing_accounts (
        id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, customer_name TEXT NOT NULL, currency TEXT NOT NULL,
        created_at BIGINT NOT NULL);
      CREATE TABLE ledger (
        seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL REFERENCES billing_accounts (id),
        kind TEXT NOT NULL CHECK (kind IN ('topup', 'rental_charge', 'refund', 'adjustment')), amount BIGINT NOT NULL,
        currency TEXT NOT NULL, reference TEXT, rental_id TEXT, period_index INTEGER, note TEXT, at BIGINT NOT NULL);
      CREATE INDEX ledger_by_account ON ledger (account_id, seq);
      -- A payment reference is recorded once; a rental period is charged once, whichever process races.
      CREATE UNIQUE INDEX ledger_topup_reference ON ledger (reference) WHERE kind = 'topup';
      CREATE UNIQUE INDEX ledger_rental_period ON ledger (rental_id, period_index) WHERE kind = 'rental_charge';
      CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW EXECUTE FUNCTION licensor_append_only('ledger');
      CREATE TABLE rental_plans (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, period TEXT NOT NULL, price BIGINT NOT NULL, currency TEXT NOT NULL,
        grace_ms BIGINT NOT NULL, entitlements TEXT NOT NULL, created_at BIGINT NOT NULL);
      CREATE TABLE rentals (
        id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES billing_accounts (id), plan_id TEXT NOT NULL REFERENCES rental_plans (id),
        license_id TEXT NOT NULL UNIQUE, hardware_key TEXT NOT NULL, scope TEXT NOT NULL, customer_name TEXT NOT NULL,
        anchor_at BIGINT NOT NULL, anchor_index INTEGER NOT NULL, period_index INTEGER NOT NULL,
        period_end BIGINT NOT NULL, status TEXT NOT NULL, warned_index INTEGER NOT NULL DEFAULT -1,
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
      CREATE INDEX rentals_due ON rentals (status, period_end);
      CREATE TABLE issued_licenses (
        seq BIGSERIAL PRIMARY KEY, license_id TEXT NOT NULL, rental_id TEXT, hardware_key TEXT NOT NULL,
        not_after BIGINT, text TEXT NOT NULL, issued_at BIGINT NOT NULL);
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
        token_id TEXT, registered_at BIGINT NOT NULL, last_sync_at BIGINT NOT NULL, report TEXT,
        allocation TEXT, allocation_seq BIGINT NOT NULL DEFAULT 0, allocation_updated_at BIGINT);
    `,
  },
  {
    version: 5,
    name: 'webhooks: endpoints, outbox of deliveries, attempt log',
    sql: `
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL, description TEXT,
        after_seq BIGINT NOT NULL, created_at BIGINT NOT NULL, ord BIGSERIAL);
      -- The outbox: one row per (webhook, event), so a re-read of the feed never enqueues an event twice.
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE, event_seq BIGINT NOT NULL,
        event_type TEXT NOT NULL, body TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')), attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT, last_status_code INTEGER, last_error TEXT, created_at BIGINT NOT NULL, delivered_at BIGINT,
        UNIQUE (webhook_id, event_seq));
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE TABLE webhook_attempts (
        seq BIGSERIAL PRIMARY KEY, delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL, at BIGINT NOT NULL, status_code INTEGER, error TEXT, duration_ms BIGINT NOT NULL,
        next_retry_at BIGINT);
      CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, seq);
      CREATE TABLE webhook_cursor (slot INTEGER PRIMARY KEY CHECK (slot = 1), seq BIGINT NOT NULL);
    `,
  },
  {
    version: 6,
    name: 'usage samples: used / quantity per module over time',
    sql: `
      CREATE TABLE usage_samples (
        module_id INTEGER NOT NULL, at BIGINT NOT NULL, used BIGINT NOT NULL, quantity BIGINT, blocked BIGINT NOT NULL,
        PRIMARY KEY (module_id, at));
      CREATE INDEX usage_samples_by_time ON usage_samples (at);
    `,
  },
  {
    version: 7,
    name: 'members: why a member is blocked and the add-ons its license lacks',
    sql: `
      ALTER TABLE members ADD COLUMN blocked_reason TEXT;
      ALTER TABLE members ADD COLUMN missing_features TEXT NOT NULL DEFAULT '[]';
      UPDATE members SET blocked_reason = 'beyond_quantity' WHERE state = 'blocked';
    `,
  },
];
