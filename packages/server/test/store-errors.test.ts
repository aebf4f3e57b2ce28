import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStoreUnavailable } from '../src/store/store-errors.js';

test('errors that mean "the store cannot be reached" are told apart from request errors', () => {
  const unavailable = [
    { code: 'ECONNREFUSED' },
    { code: 'ECONNRESET' },
    { code: '57P01', message: 'terminating connection due to administrator command' },
    { code: '57P03', message: 'the database system is starting up' },
    { code: '08006' },
    { code: 'SQLITE_BUSY' },
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new Error('Query read timeout'),
  ];
  for (const e of unavailable) assert.equal(isStoreUnavailable(e), true, JSON.stringify(e) || String(e));
  const other = [
    { code: '23505', message: 'duplicate key value violates unique constraint' },
    { code: '42P01' },
    new Error('boom'),
    null,
    undefined,
    'ECONNREFUSED',
  ];
  for (const e of other) assert.equal(isStoreUnavailable(e), false, String(e));
});
