import { type Row, toToken } from '../store-rows.js';
import type { TokenRecord } from '../store.js';
import type { SqlHost, SqlStatement } from './sql-host.js';

/** API tokens on either database (table `tokens`, migration 1). */
export class SqlTokenStore {
  /** Runs on every authenticated request: compiled once here, prepared once by the host. */
  private readonly byHash: SqlStatement<Row>;

  constructor(private readonly host: SqlHost) {
    // Columns by name: a prepared `*` would fail once a later migration added a column to the table.
    this.byHash = host.prepare(
      host.d.k
        .selectFrom('tokens')
        .select(['id', 'name', 'role', 'hash', 'created_at', 'revoked_at'])
        .where('hash', '=', '')
        .compile(),
    );
  }

  /** Stores a new token (its hash is unique). */
  create(t: TokenRecord): Promise<void> {
    return this.host.read(async (tx) => {
      await tx.run(
        this.host.d.k.insertInto('tokens').values({
          id: t.id,
          name: t.name,
          role: t.role,
          hash: t.hash,
          created_at: t.createdAt,
          revoked_at: t.revokedAt,
        }),
      );
    });
  }

  /** The token whose secret hashes to `hash`, revoked or not. */
  async findByHash(hash: string): Promise<TokenRecord | null> {
    const r = await this.byHash.first([hash]);
    return r ? toToken(r) : null;
  }

  /** Every token, oldest first. */
  list(): Promise<TokenRecord[]> {
    return this.host.read(async (tx) =>
      (await tx.all(this.host.d.k.selectFrom('tokens').selectAll().orderBy('created_at').orderBy('id'))).map(toToken),
    );
  }

  /** Revokes a live token; false when there is none by that id or it was revoked already. */
  revoke(id: string, at: number): Promise<boolean> {
    return this.host.read(
      async (tx) =>
        (await tx.run(
          this.host.d.k
            .updateTable('tokens')
            .set({ revoked_at: at })
            .where('id', '=', id)
            .where('revoked_at', 'is', null),
        )) > 0,
    );
  }
}
