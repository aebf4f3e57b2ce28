// A PostgreSQL schema made by older releases' hand-written migrations opens and upgrades with the one migration list.
// Skipped, saying why, when no server answers.
import { SKIP_POSTGRES } from '../../../../test/support/postgres.js';
import { legacySchemaContract } from './legacy-schema-contract.js';
import { postgresHarness } from './store-harnesses.js';

legacySchemaContract('postgres', postgresHarness, SKIP_POSTGRES);
