// A database as older releases left it: their hand-written migrations applied and recorded in schema_migrations,
// and a few rows in every table the stores read, written with SQL both databases accept.
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';

const ROWS = `
  INSERT INTO meta VALUES ('node.identity', 'legacy-node'), ('hierarchy.allocation_seq', '3');
  INSERT INTO license VALUES (1, 'LICENSE-TEXT', 1000);
  INSERT INTO leases VALUES (4001, 'h1', 'lse_1', NULL, 1000, 1000, 1000, 31000);
  INSERT INTO members (module_id, member_id, seq, first_connected_at, last_seen_at, state, features, blocked_reason, missing_features)
    VALUES (4002, 'm1', 1, 1000, 2000, 'blocked', '[2101]', 'beyond_quantity', '[]');
  INSERT INTO events (seq, type, module_id, subject, data, at)
    VALUES (1, 'lease.granted', 4001, 'h1', '{"n":1}', 1000), (2, 'license.installed', NULL, NULL, NULL, 1001);
  INSERT INTO audit (seq, id, at, actor_token_id, actor_name, action, target, details)
    VALUES (1, 'aud_1', 1000, NULL, 'cli', 'license.installed', 'lic_1', NULL);
  INSERT INTO tokens VALUES ('tok_1', 'ops', 'admin', 'hash-1', 1000, NULL);
  INSERT INTO billing_accounts VALUES ('acc_1', 'cus_1', 'Cafe', 'EUR', 1000);
  INSERT INTO ledger (seq, id, account_id, kind, amount, currency, reference, rental_id, period_index, note, at)
    VALUES (1, 'led_1', 'acc_1', 'topup', 5000, 'EUR', 'pay-1', NULL, NULL, NULL, 1000);
  INSERT INTO issued_licenses (license_id, rental_id, hardware_key, not_after, text, issued_at)
    VALUES ('lic_t', NULL, 'aaaa', 5000, 'FILE-T', 1000);
  INSERT INTO child_nodes (id, name, hardware_key, counted_as, public_key, token_id, registered_at, last_sync_at, report, allocation, allocation_seq, allocation_updated_at)
    VALUES ('nod_1', 'site', 'bbbb', 1003, 'ed25519:x', NULL, 1000, 1000, NULL, '{"4001":2}', 3, 1000);
  INSERT INTO webhooks (id, url, events, secret, description, after_seq, created_at)
    VALUES ('whk_1', 'http://127.0.0.1:9/h', '["*"]', 's3cret', NULL, 0, 1000);
  INSERT INTO usage_samples VALUES (4001, 1000, 1, 5, 0);
`;

/** The SQL that builds an older release's database of `kind`, rows included (the schema already selected). */
export function legacyDatabase(kind: 'sqlite' | 'postgres'): string {
  const migrations = kind === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS;
  const versions = migrations.map((m) => `INSERT INTO schema_migrations VALUES (${m.version}, '${m.name}', 1000);`);
  return [
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);',
    ...migrations.map((m) => m.sql),
    ...versions,
    ROWS,
  ].join('\n');
}
