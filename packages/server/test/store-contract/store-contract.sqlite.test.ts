// The store contract on the embedded SQLite store (one file, several handles as several processes would open it).
import { storeContract } from './store-contract.js';
import { sqliteHarness } from './store-harnesses.js';

storeContract('sqlite', () => sqliteHarness());
