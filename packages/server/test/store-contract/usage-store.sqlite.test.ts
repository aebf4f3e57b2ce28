// The usage store contract on the embedded SQLite store (one file, several handles as several processes would open it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { usageStoreContract } from './usage-store-contract.js';

usageStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-contract-'));
  const path = join(dir, 'licensor.db');
  return {
    open: () => new SqliteStore(path),
    async exec(sql) {
      const db = new Database(path);
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
