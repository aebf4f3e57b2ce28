import { newId } from '@licensor/protocol';
import type { AuditActor, Store, TokenRecord, TokenRole } from '../store/store.js';
import { hashTokenSecret, newTokenSecret, sameHash } from './token-secret.js';

/** Creates, finds and revokes API tokens; caches lookups so authentication costs no store round trip. */
export class TokenService {
  /** Short-lived so a token revoked by another process (the CLI) stops working within seconds. */
  private readonly cache = new Map<string, { record: TokenRecord | null; at: number }>();
  private static readonly CACHE_MS = 2000;

  constructor(private readonly store: Store) {}

  /** Creates a token and returns its secret, which is never stored. `by` is recorded in the audit log. */
  async create(
    role: TokenRole,
    name: string,
    now: number,
    by: AuditActor,
  ): Promise<{ token: TokenRecord; secret: string }> {
    const secret = newTokenSecret();
    const token: TokenRecord = {
      id: newId('tok'),
      name,
      role,
      hash: hashTokenSecret(secret),
      createdAt: now,
      revokedAt: null,
    };
    await this.store.createToken(token);
    await this.audit('token.created', token.id, token, now, by);
    return { token, secret };
  }

  /** Creates a token with a secret chosen by the operator (bootstrap of scripted installs). */
  async createWithSecret(
    role: TokenRole,
    name: string,
    secret: string,
    now: number,
    by: AuditActor,
  ): Promise<TokenRecord> {
    const token: TokenRecord = {
      id: newId('tok'),
      name,
      role,
      hash: hashTokenSecret(secret),
      createdAt: now,
      revokedAt: null,
    };
    await this.store.createToken(token);
    this.cache.clear();
    await this.audit('token.created', token.id, token, now, by);
    return token;
  }

  /** Records a token action in the audit log, right after the action (tokens do not go through the group commit). */
  private async audit(
    action: 'token.created' | 'token.revoked',
    id: string,
    token: TokenRecord | undefined,
    now: number,
    by: AuditActor,
  ): Promise<void> {
    await this.store.appendAudit({
      id: newId('aud'),
      at: now,
      actor: by,
      action,
      target: id,
      details: token ? { name: token.name, role: token.role } : null,
    });
  }

  /** The live token for a presented secret, or null. */
  async authenticate(secret: string): Promise<TokenRecord | null> {
    const cached = this.authenticateCached(secret);
    if (cached !== undefined) return cached;
    const hash = hashTokenSecret(secret);
    const record = await this.store.findTokenByHash(hash);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(secret, { record, at: performance.now() });
    if (!record || record.revokedAt !== null || !sameHash(record.hash, hash)) return null;
    return record;
  }

  /** The answer from the cache without waiting (null: refused), or undefined when the store must be asked. */
  authenticateCached(secret: string): TokenRecord | null | undefined {
    // Keyed by the presented secret, so a cached request costs one map lookup and no SHA-256.
    const hit = this.cache.get(secret);
    if (!hit || performance.now() - hit.at >= TokenService.CACHE_MS) return undefined;
    const record = hit.record;
    return !record || record.revokedAt !== null ? null : record;
  }

  /** Revokes a token; later requests with it get 401. `by` is recorded in the audit log. */
  async revoke(id: string, now: number, by: AuditActor): Promise<boolean> {
    const done = await this.store.revokeToken(id, now);
    this.cache.clear();
    if (done) {
      const token = (await this.store.listTokens()).find((t) => t.id === id);
      await this.audit('token.revoked', id, token, now, by);
    }
    return done;
  }

  /** Every token (hashes stay on the server). */
  list(): Promise<TokenRecord[]> {
    return this.store.listTokens();
  }
}
