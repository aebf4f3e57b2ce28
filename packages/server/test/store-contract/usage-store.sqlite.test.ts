// The usage store contract on the embedded SQLite store (one file, several handles as several processes would open it).
import { sqliteHarness } from './store-harnesses.js';
import { usageStoreContract } from './usage-store-contract.js';

usageStoreContract('sqlite', () => sqliteHarness());
