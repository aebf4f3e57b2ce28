// The hierarchy store contract on the embedded SQLite store (one file, several handles as several processes would open it).
import { hierarchyStoreContract } from './hierarchy-store-contract.js';
import { sqliteHarness } from './store-harnesses.js';

hierarchyStoreContract('sqlite', () => sqliteHarness('licensor-hierarchy-contract-'));
