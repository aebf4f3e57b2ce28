// The billing store contract on the embedded SQLite store (one file, several handles as several processes would open it).
import { billingStoreContract } from './billing-store-contract.js';
import { sqliteHarness } from './store-harnesses.js';

billingStoreContract('sqlite', () => sqliteHarness('licensor-billing-contract-'));
