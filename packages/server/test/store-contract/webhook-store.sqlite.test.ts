// The webhook store contract on the embedded SQLite store (one file, several handles as several processes would open it).
import { sqliteHarness } from './store-harnesses.js';
import { webhookStoreContract } from './webhook-store-contract.js';

webhookStoreContract('sqlite', () => sqliteHarness('licensor-webhook-contract-'));
