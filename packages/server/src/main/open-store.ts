import { join } from 'node:path';
import { fail, ok, type Outcome } from '@licensor/protocol';
import type { NodeConfig } from '../config/node-config.js';
import type { Logger } from '../log/logger.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { describeStoreError } from '../store/store-errors.js';

/** Opens the store a config names. */
export function openStore(
  config: Pick<NodeConfig, 'store' | 'dataDir' | 'sqliteSynchronous'>,
  log?: Logger,
): Outcome<Store> {
  if (config.store === 'sqlite') {
    try {
      return ok(new SqliteStore(join(config.dataDir, 'licensor.db'), config.sqliteSynchronous, log));
    } catch (err) {
      return fail('STORE_UNAVAILABLE', `cannot open the store in ${config.dataDir}: ${describeStoreError(err)}`, {
        field: 'dataDir',
      });
    }
  }
  try {
    return ok(new PostgresStore(config.store));
  } catch (err) {
    return fail('VALIDATION_FAILED', `--store: ${(err as Error).message}`, { field: 'store' });
  }
}
