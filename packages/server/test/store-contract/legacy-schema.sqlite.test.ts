// A SQLite file made by older releases' hand-written migrations opens and upgrades with the one migration list.
import { legacySchemaContract } from './legacy-schema-contract.js';
import { sqliteHarness } from './store-harnesses.js';

legacySchemaContract('sqlite', () => sqliteHarness('licensor-legacy-'));
