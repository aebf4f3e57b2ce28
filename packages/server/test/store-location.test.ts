import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeLocation } from '../src/store/postgres/postgres-connection.js';

test('a store is named by where pg connects: host and port given as query parameters count, credentials do not', () => {
  const plain = storeLocation('postgres://licensor:secret@DB.example:5432/lic?schema=site_a');
  // The spelling earlier versions used (a rolling upgrade runs old and new beside each other on one lock).
  assert.equal(plain, 'db.example:5432/lic?schema=site_a');
  assert.equal(
    storeLocation('postgres://other:pw@db.example/lic?schema=site_a'),
    plain,
    'credentials and the default port',
  );
  // Read alike, reach another server: pg takes `host` and `port` from the query.
  assert.equal(
    storeLocation('postgres://u@db.example:5432/lic?schema=site_a&port=5433'),
    'db.example:5433/lic?schema=site_a',
  );
  assert.equal(
    storeLocation('postgres://u@db.example:5432/lic?schema=site_a&host=10.0.0.2'),
    '10.0.0.2:5432/lic?schema=site_a',
  );
  assert.equal(storeLocation('postgres://u@db.example/lic'), 'db.example:5432/lic?schema=public');
});
