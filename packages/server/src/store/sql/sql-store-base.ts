import type {
  AuditRecord,
  IdempotencyRecord,
  NewAuditRecord,
  NewEvent,
  PruneEventsQuery,
  PruneEventsStep,
  StoredEvent,
  TokenRecord,
} from '../store.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { SqlBillingStore } from './sql-billing-store.js';
import { SqlEventStore } from './sql-event-store.js';
import { SqlHierarchyStore } from './sql-hierarchy-store.js';
import type { SqlHost } from './sql-host.js';
import { SqlIdempotencyStore } from './sql-idempotency-store.js';
import { SqlLicenseStore } from './sql-license-store.js';
import { SqlMetaStore } from './sql-meta-store.js';
import { SqlTokenStore } from './sql-token-store.js';
import { SqlUsageStore } from './sql-usage-store.js';
import { SqlWebhookStore } from './sql-webhook-store.js';

/**
 * The part of the Store both adapters share: every cold operation, written once over the typed builder and run on the
 * adapter's SqlHost. An adapter adds what it tunes by hand: migrate, the slot commit path, loadPools, ping and close.
 */
export abstract class SqlStoreBase {
  readonly billing: SqlBillingStore;
  readonly hierarchy: SqlHierarchyStore;
  readonly usage: SqlUsageStore;
  readonly webhooks: SqlWebhookStore;
  private readonly tokens: SqlTokenStore;
  private readonly meta: SqlMetaStore;
  private readonly audit: SqlAuditStore;
  private readonly events: SqlEventStore;
  private readonly license: SqlLicenseStore;
  private readonly idempotency: SqlIdempotencyStore;

  protected constructor(host: SqlHost) {
    this.billing = new SqlBillingStore(host);
    this.hierarchy = new SqlHierarchyStore(host);
    this.usage = new SqlUsageStore(host);
    this.webhooks = new SqlWebhookStore(host);
    this.tokens = new SqlTokenStore(host);
    this.meta = new SqlMetaStore(host);
    this.audit = new SqlAuditStore(host);
    this.events = new SqlEventStore(host);
    this.license = new SqlLicenseStore(host);
    this.idempotency = new SqlIdempotencyStore(host);
  }

  getLicense(): Promise<{ text: string; installedAt: number } | null> {
    return this.license.get();
  }

  putLicense(text: string, at: number, event: NewEvent, audit?: NewAuditRecord): Promise<number> {
    return this.license.put(text, at, event, audit);
  }

  createToken(token: TokenRecord): Promise<void> {
    return this.tokens.create(token);
  }

  findTokenByHash(hash: string): Promise<TokenRecord | null> {
    return this.tokens.findByHash(hash);
  }

  listTokens(): Promise<TokenRecord[]> {
    return this.tokens.list();
  }

  revokeToken(id: string, at: number): Promise<boolean> {
    return this.tokens.revoke(id, at);
  }

  listEvents(q: { after: number; limit: number; types?: string[]; moduleId?: number }): Promise<StoredEvent[]> {
    return this.events.list(q);
  }

  pruneEvents(q: PruneEventsQuery): Promise<PruneEventsStep> {
    return this.events.prune(q);
  }

  getIdempotency(tokenId: string, key: string): Promise<IdempotencyRecord | null> {
    return this.idempotency.get(tokenId, key);
  }

  appendAudit(record: NewAuditRecord): Promise<number> {
    return this.audit.append(record);
  }

  listAudit(q: { after: number; limit: number }): Promise<AuditRecord[]> {
    return this.audit.list(q);
  }

  getMeta(key: string): Promise<string | null> {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.meta.set(key, value);
  }

  initMeta(key: string, value: string): Promise<string> {
    return this.meta.init(key, value);
  }
}
