// The billing store contract on PostgreSQL: each run in a schema of its own, dropped at the end. Skipped, saying why,
// when no server answers (scripts/test.mjs sets LICENSOR_TEST_POSTGRES_URL when 127.0.0.1:5432 does).
import { SKIP_POSTGRES } from '../../../../test/support/postgres.js';
import { billingStoreContract } from './billing-store-contract.js';
import { postgresHarness } from './store-harnesses.js';

billingStoreContract('postgres', postgresHarness, SKIP_POSTGRES);
