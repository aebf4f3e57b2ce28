// The usage store contract on PostgreSQL: each run in a schema of its own, dropped at the end. Skipped, saying why, when no
// server answers (scripts/test.mjs sets LICENSOR_TEST_POSTGRES_URL when 127.0.0.1:5432 does).
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { execInSchema, lockPostgres, SKIP_POSTGRES, testSchema } from '../../../../test/support/postgres.js';
import { usageStoreContract } from './usage-store-contract.js';

usageStoreContract(
  'postgres',
  async () => {
    const unlock = await lockPostgres();
    const schema = testSchema();
    return {
      open: () => new PostgresStore(schema.url),
      exec: (sql) => execInSchema(schema.name, sql),
      async cleanup() {
        try {
          await schema.drop();
        } finally {
          unlock();
        }
      },
    };
  },
  SKIP_POSTGRES,
);
