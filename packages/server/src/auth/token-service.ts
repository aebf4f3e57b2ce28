import { newId } from '@licensor/protocol';
import type { Store, TokenRecord, TokenRole } from '../store/store.js';
import { hashTokenSecret, newTokenSecret, sameHash } from './token-secret.js';

/** Creates, finds and revokes API tokens; caches lookups so authentication costs no store round trip. */
export class TokenService {
  /** Short-lived so a token revoked by another process (the CLI) stops working within seconds. */
  private readonly cache = new Map<string, { record: TokenRecord | null; at: number }>();
  private static readonly CACHE_MS = 2000;

  constructor(private readonly store: Store) {}

  /** Creates a token and returns its secret, which is never stored. */
  async create(role: TokenRole, name: string, now: number): Promise<{ token: TokenRecord; secret: string }> {
    const secret = newTokenSecret();
    const token: TokenRecord = { id: newId('tok'), name, role, hash: hashTokenSecret(secret), createdAt: now, revokedAt: null };
    await this.store.createToken(token);
    return { token, secret };
  }

  /** Creates a token with a secret chosen by the operator (bootstrap of scripted installs). */
  async createWithSecret(role: TokenRole, name: string, secret: string, now: number): Promise<TokenRecord> {
    const token: TokenRecord = { id: newId('tok'), name, role, hash: hashTokenSecret(secret), createdAt: now, revokedAt: null };
    await this.store.createToken(token);
    this.cache.clear();
    return token;
  }

  /** The live token for a presented secret, or null. */
  async authenticate(secret: string): Promise<TokenRecord | null> {
    const hash = hashTokenSecret(secret);
    const hit = this.cache.get(hash);
    let record: TokenRecord | null;
    if (hit && performance.now() - hit.at < TokenService.CACHE_MS) record = hit.record;
    else {
      record = await this.store.findTokenByHash(hash);
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { record, at: performance.now() });
    }
    if (!record || record.revokedAt !== null || !sameHash(record.hash, hash)) return null;
    return record;
  }

  /** Revokes a token; later requests with it get 401. */
  async revoke(id: string, now: number): Promise<boolean> {
    const done = await this.store.revokeToken(id, now);
    this.cache.clear();
    return done;
  }

  /** Every token (hashes stay on the server). */
  list(): Promise<TokenRecord[]> {
    return this.store.listTokens();
  }
}
