import { type Row, toIdempotency } from '../store-rows.js';
import type { IdempotencyRecord } from '../store.js';
import type { SqlHost, SqlStatement } from './sql-host.js';

/** Reads of stored Idempotency-Key answers on either database; they are written with their operation's commit. */
export class SqlIdempotencyStore {
  /** Runs on every request that carries an Idempotency-Key: compiled once here, prepared once by the host. */
  private readonly byKey: SqlStatement<Row>;

  constructor(host: SqlHost) {
    this.byKey = host.prepare(
      host.d.k
        .selectFrom('idempotency')
        .select(['token_id', 'key', 'fingerprint', 'status', 'body', 'created_at'])
        .where('token_id', '=', '')
        .where('key', '=', '')
        .compile(),
    );
  }

  /** The answer stored for this token and key, or null. */
  async get(tokenId: string, key: string): Promise<IdempotencyRecord | null> {
    const r = await this.byKey.first([tokenId, key]);
    return r ? toIdempotency(r) : null;
  }
}
