import { type CompiledQuery, sql } from 'kysely';
import { WRITE_POOLS_FUNCTION } from '../postgres/write-pools-function.js';
import type { SqlDialect } from './sql-dialect.js';

/** One schema version: its statements for a dialect, run in order in one transaction. */
export interface Migration {
  version: number;
  name: string;
  statements(d: SqlDialect): CompiledQuery[];
}

/**
 * The one list of schema versions of both stores. The numbers are the ones stored in `schema_migrations` by the
 * hand-written lists they replace (1 initial … 7 member block reasons), so a database those created is recognised as
 * up to date and only later versions run on it.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: (d) => {
      const s = d.k.schema;
      const i = d.int64;
      return [
        s
          .createTable('meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull()),
        s
          .createTable('license')
          .addColumn('slot', 'integer', (c) => c.primaryKey().check(sql`slot = 1`))
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('installed_at', i, (c) => c.notNull()),
        d.keyed(
          s
            .createTable('leases')
            .addColumn('module_id', 'integer', (c) => c.notNull())
            .addColumn('holder_id', 'text', (c) => c.notNull())
            .addColumn('lease_id', 'text', (c) => c.notNull())
            .addColumn('session_id', 'text')
            .addColumn('acquired_at', i, (c) => c.notNull())
            .addColumn('last_heartbeat_at', i, (c) => c.notNull())
            .addColumn('last_activity_at', i, (c) => c.notNull())
            .addColumn('expires_at', i, (c) => c.notNull())
            .addPrimaryKeyConstraint('leases_pkey', ['module_id', 'holder_id']),
        ),
        d.keyed(
          s
            .createTable('members')
            .addColumn('module_id', 'integer', (c) => c.notNull())
            .addColumn('member_id', 'text', (c) => c.notNull())
            .addColumn('seq', i, (c) => c.notNull())
            .addColumn('first_connected_at', i, (c) => c.notNull())
            .addColumn('last_seen_at', i, (c) => c.notNull())
            .addColumn('state', 'text', (c) => c.notNull())
            .addColumn('features', 'text', (c) => c.notNull().defaultTo('[]'))
            .addPrimaryKeyConstraint('members_pkey', ['module_id', 'member_id']),
        ),
        s
          .createTable('quotas')
          .addColumn('module_id', 'integer', (c) => c.primaryKey())
          .addColumn('count', i, (c) => c.notNull())
          .addColumn('reported_at', i, (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull()),
        // Append-only and never pruned from the top: on SQLite the rowid alone is a safe, monotonic cursor; on
        // PostgreSQL the writer gives max + 1 under the feed lock, so commit order is seq order.
        d
          .cursorColumn(s.createTable('events'), 'seq', false)
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('module_id', 'integer')
          .addColumn('subject', 'text')
          .addColumn('data', 'text')
          .addColumn('at', i, (c) => c.notNull()),
        s
          .createTable('tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', i, (c) => c.notNull())
          .addColumn('revoked_at', i),
        d.keyed(
          s
            .createTable('idempotency')
            .addColumn('token_id', 'text', (c) => c.notNull())
            .addColumn('key', 'text', (c) => c.notNull())
            .addColumn('fingerprint', 'text', (c) => c.notNull())
            .addColumn('status', 'integer', (c) => c.notNull())
            .addColumn('body', 'text', (c) => c.notNull())
            .addColumn('created_at', i, (c) => c.notNull())
            .addPrimaryKeyConstraint('idempotency_pkey', ['token_id', 'key']),
        ),
      ].map((q) => q.compile());
    },
  },
  {
    version: 2,
    name: 'append-only audit log',
    statements: (d) => [
      d
        .cursorColumn(d.k.schema.createTable('audit'), 'seq', true)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('at', d.int64, (c) => c.notNull())
        .addColumn('actor_token_id', 'text')
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'text')
        .compile(),
      ...d.appendOnly('audit', 'audit log').map((q) => q.compile(d.k)),
    ],
  },
  {
    version: 3,
    name: 'billing: accounts, append-only ledger, rental plans, rentals, issued licenses',
    statements: billingTables,
  },
  {
    version: 4,
    name: 'hierarchy: child nodes and their allocations',
    statements: (d) => [
      d.k.schema
        .createTable('child_nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hardware_key', 'text', (c) => c.notNull().unique())
        .addColumn('counted_as', 'integer')
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('token_id', 'text')
        .addColumn('registered_at', d.int64, (c) => c.notNull())
        .addColumn('last_sync_at', d.int64, (c) => c.notNull())
        .addColumn('report', 'text')
        .addColumn('allocation', 'text')
        .addColumn('allocation_seq', d.int64, (c) => c.notNull().defaultTo(0))
        .addColumn('allocation_updated_at', d.int64)
        .compile(),
    ],
  },
  {
    version: 5,
    name: 'webhooks: endpoints, outbox of deliveries, attempt log',
    statements: webhookTables,
  },
  {
    version: 6,
    name: 'usage samples: used / quantity per module over time',
    statements: (d) => [
      // One row per module per sampling tick; pruned by time, so the index on at serves the retention delete.
      d
        .keyed(
          d.k.schema
            .createTable('usage_samples')
            .addColumn('module_id', 'integer', (c) => c.notNull())
            .addColumn('at', d.int64, (c) => c.notNull())
            .addColumn('used', d.int64, (c) => c.notNull())
            .addColumn('quantity', d.int64)
            .addColumn('blocked', d.int64, (c) => c.notNull())
            .addPrimaryKeyConstraint('usage_samples_pkey', ['module_id', 'at']),
        )
        .compile(),
      d.k.schema.createIndex('usage_samples_by_time').on('usage_samples').column('at').compile(),
    ],
  },
  {
    version: 7,
    name: 'members: why a member is blocked and the add-ons its license lacks',
    statements: (d) => [
      d.k.schema.alterTable('members').addColumn('blocked_reason', 'text').compile(),
      d.k.schema
        .alterTable('members')
        .addColumn('missing_features', 'text', (c) => c.notNull().defaultTo('[]'))
        .compile(),
      // Rows written before: a blocked member was blocked for the quantity.
      sql`UPDATE members SET blocked_reason = 'beyond_quantity' WHERE state = 'blocked'`.compile(d.k),
    ],
  },
  {
    version: 8,
    name: 'pool owners: which process decides each pool on a shared store, and its fencing epoch',
    statements: (d) => [
      d.k.schema
        .createTable('pool_owners')
        .addColumn('module_id', 'integer', (c) => c.primaryKey())
        .addColumn('epoch', d.int64, (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('owner_url', 'text', (c) => c.notNull())
        .addColumn('taken_at', d.int64, (c) => c.notNull())
        .compile(),
    ],
  },
  {
    version: 9,
    name: 'the commit function of the PostgreSQL hot path (plans kept per connection)',
    statements: (d) => (d.name === 'postgres' ? [sql.raw(WRITE_POOLS_FUNCTION).compile(d.k)] : []),
  },
  {
    // Every statement of the commit function reaches rows by key, but a connection plans them at its first call. Planned
    // while the leases table was nearly empty, the DELETE kept a sequential scan for the connection's life, while the
    // table (a row inserted and deleted per cycle) bloated between autovacuum runs: in 5 of 7 measured runs, 7-35 % of
    // commits scanned it, dead tuples and all. Without sequential scans the planner takes the primary keys.
    version: 10,
    name: 'the commit function plans keyed access only (no sequential scan of the churning leases table)',
    statements: (d) =>
      d.name === 'postgres'
        ? [sql.raw('ALTER FUNCTION licensor_write_pools SET enable_seqscan = off').compile(d.k)]
        : [],
  },
];

/** Creates the table of applied versions if it is not there (its shape is the one the hand-written lists made). */
export function versionsTable(d: SqlDialect): CompiledQuery {
  return d.k.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', d.int64, (c) => c.notNull())
    .compile();
}

/** The applied versions. */
export function appliedVersions(d: SqlDialect): CompiledQuery<{ version: number }> {
  return sql<{ version: number }>`SELECT version FROM schema_migrations ORDER BY version`.compile(d.k);
}

/** Every statement of a migration followed by the row that records it as applied, to run in one transaction. */
export function migrationStatements(d: SqlDialect, m: Migration, at: number): CompiledQuery[] {
  const done = sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${at})`;
  return [...m.statements(d), done.compile(d.k)];
}

function billingTables(d: SqlDialect): CompiledQuery[] {
  const s = d.k.schema;
  const i = d.int64;
  return [
    s
      .createTable('billing_accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('customer_name', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('created_at', i, (c) => c.notNull())
      .compile(),
    // The balance is SUM(amount) per account, never stored twice. Append-only, like the audit log.
    d
      .cursorColumn(s.createTable('ledger'), 'seq', true)
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('account_id', 'text', (c) => c.notNull().references('billing_accounts.id'))
      .addColumn('kind', 'text', (c) =>
        c.notNull().check(sql`kind IN ('topup', 'rental_charge', 'refund', 'adjustment')`),
      )
      .addColumn('amount', i, (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('reference', 'text')
      .addColumn('rental_id', 'text')
      .addColumn('period_index', 'integer')
      .addColumn('note', 'text')
      .addColumn('at', i, (c) => c.notNull())
      .compile(),
    s.createIndex('ledger_by_account').on('ledger').columns(['account_id', 'seq']).compile(),
    // A payment reference is recorded once; a rental period is charged once, whoever races.
    s
      .createIndex('ledger_topup_reference')
      .unique()
      .on('ledger')
      .column('reference')
      .where(sql<boolean>`kind = 'topup'`)
      .compile(),
    s
      .createIndex('ledger_rental_period')
      .unique()
      .on('ledger')
      .columns(['rental_id', 'period_index'])
      .where(sql<boolean>`kind = 'rental_charge'`)
      .compile(),
    ...d.appendOnly('ledger', 'ledger').map((q) => q.compile(d.k)),
    s
      .createTable('rental_plans')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('price', i, (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('grace_ms', i, (c) => c.notNull())
      .addColumn('entitlements', 'text', (c) => c.notNull())
      .addColumn('created_at', i, (c) => c.notNull())
      .compile(),
    s
      .createTable('rentals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('billing_accounts.id'))
      .addColumn('plan_id', 'text', (c) => c.notNull().references('rental_plans.id'))
      .addColumn('license_id', 'text', (c) => c.notNull().unique())
      .addColumn('hardware_key', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('customer_name', 'text', (c) => c.notNull())
      .addColumn('anchor_at', i, (c) => c.notNull())
      .addColumn('anchor_index', 'integer', (c) => c.notNull())
      .addColumn('period_index', 'integer', (c) => c.notNull())
      .addColumn('period_end', i, (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('warned_index', 'integer', (c) => c.notNull().defaultTo(-1))
      .addColumn('created_at', i, (c) => c.notNull())
      .addColumn('updated_at', i, (c) => c.notNull())
      .compile(),
    s.createIndex('rentals_due').on('rentals').columns(['status', 'period_end']).compile(),
    // Every license file this node signed (rentals and temporary licenses), newest last per license id.
    d
      .serialColumn(s.createTable('issued_licenses'), 'seq')
      .addColumn('license_id', 'text', (c) => c.notNull())
      .addColumn('rental_id', 'text')
      .addColumn('hardware_key', 'text', (c) => c.notNull())
      .addColumn('not_after', i)
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('issued_at', i, (c) => c.notNull())
      .compile(),
    s.createIndex('issued_licenses_by_license').on('issued_licenses').columns(['license_id', 'seq']).compile(),
    s.createIndex('issued_licenses_by_hardware_key').on('issued_licenses').columns(['hardware_key', 'seq']).compile(),
  ];
}

function webhookTables(d: SqlDialect): CompiledQuery[] {
  const s = d.k.schema;
  const i = d.int64;
  const webhooks = s
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('after_seq', i, (c) => c.notNull())
    .addColumn('created_at', i, (c) => c.notNull());
  return [
    (d.insertionOrder === 'ord' ? webhooks.addColumn('ord', 'bigserial') : webhooks).compile(),
    // The outbox: one row per (webhook, event), so a re-read of the feed never enqueues an event twice.
    s
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
      .addColumn('event_seq', i, (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('pending', 'delivered', 'failed')`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', i)
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', i, (c) => c.notNull())
      .addColumn('delivered_at', i)
      .addUniqueConstraint('webhook_deliveries_webhook_event', ['webhook_id', 'event_seq'])
      .compile(),
    s
      .createIndex('webhook_deliveries_due')
      .on('webhook_deliveries')
      .column('next_attempt_at')
      .where(sql<boolean>`status = 'pending'`)
      .compile(),
    d
      .serialColumn(s.createTable('webhook_attempts'), 'seq')
      .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('at', i, (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('error', 'text')
      .addColumn('duration_ms', i, (c) => c.notNull())
      .addColumn('next_retry_at', i)
      .compile(),
    s.createIndex('webhook_attempts_by_delivery').on('webhook_attempts').columns(['delivery_id', 'seq']).compile(),
    // The dispatch cursor over the events feed: the last event sequence number turned into deliveries.
    s
      .createTable('webhook_cursor')
      .addColumn('slot', 'integer', (c) => c.primaryKey().check(sql`slot = 1`))
      .addColumn('seq', i, (c) => c.notNull())
      .compile(),
  ];
}
