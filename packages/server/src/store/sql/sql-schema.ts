import type { Generated } from 'kysely';

// The tables the cold stores query through the typed builder, as both databases hold them: times and amounts are
// integers (epoch ms, minor units), JSON is kept as text. The slot hot path writes its tables with tuned SQL instead.

interface EventsTable {
  seq: Generated<number>;
  type: string;
  module_id: number | null;
  subject: string | null;
  data: string | null;
  at: number;
}

interface AuditTable {
  seq: Generated<number>;
  id: string;
  at: number;
  actor_token_id: string | null;
  actor_name: string;
  action: string;
  target: string | null;
  details: string | null;
}

interface BillingAccountsTable {
  id: string;
  customer_id: string;
  customer_name: string;
  currency: string;
  created_at: number;
}

interface LedgerTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  kind: string;
  amount: number;
  currency: string;
  reference: string | null;
  rental_id: string | null;
  period_index: number | null;
  note: string | null;
  at: number;
}

interface RentalPlansTable {
  id: string;
  name: string;
  period: string;
  price: number;
  currency: string;
  grace_ms: number;
  entitlements: string;
  created_at: number;
}

interface RentalsTable {
  id: string;
  account_id: string;
  plan_id: string;
  license_id: string;
  hardware_key: string;
  scope: string;
  customer_name: string;
  anchor_at: number;
  anchor_index: number;
  period_index: number;
  period_end: number;
  status: string;
  warned_index: number;
  created_at: number;
  updated_at: number;
}

interface IssuedLicensesTable {
  seq: Generated<number>;
  license_id: string;
  rental_id: string | null;
  hardware_key: string;
  not_after: number | null;
  text: string;
  issued_at: number;
}

interface ChildNodesTable {
  id: string;
  name: string;
  hardware_key: string;
  counted_as: number | null;
  public_key: string;
  token_id: string | null;
  registered_at: number;
  last_sync_at: number;
  report: string | null;
  allocation: string | null;
  allocation_seq: number;
  allocation_updated_at: number | null;
}

interface WebhooksTable {
  id: string;
  url: string;
  events: string;
  secret: string;
  description: string | null;
  after_seq: number;
  created_at: number;
}

interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_seq: number;
  event_type: string;
  body: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

interface WebhookAttemptsTable {
  seq: Generated<number>;
  delivery_id: string;
  attempt: number;
  at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  next_retry_at: number | null;
}

interface UsageSamplesTable {
  module_id: number;
  at: number;
  used: number;
  quantity: number | null;
  blocked: number;
}

interface TokensTable {
  id: string;
  name: string;
  role: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

interface IdempotencyTable {
  token_id: string;
  key: string;
  fingerprint: string;
  status: number;
  body: string;
  created_at: number;
}

/** The typed schema of the cold stores' tables. */
export interface StoreSchema {
  events: EventsTable;
  audit: AuditTable;
  meta: { key: string; value: string };
  license: { slot: number; text: string; installed_at: number };
  tokens: TokensTable;
  idempotency: IdempotencyTable;
  billing_accounts: BillingAccountsTable;
  ledger: LedgerTable;
  rental_plans: RentalPlansTable;
  rentals: RentalsTable;
  issued_licenses: IssuedLicensesTable;
  child_nodes: ChildNodesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_cursor: { slot: number; seq: number };
  usage_samples: UsageSamplesTable;
}
