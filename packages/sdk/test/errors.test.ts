import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AuthenticationError,
  ConnectionError,
  FeatureNotLicensedError,
  InsufficientLicenseError,
  LeaseLostError,
  LicenseExpiredError,
  LicenseMissingError,
  LicensingError,
  ModuleNotLicensedError,
  QuotaExceededError,
  toLicensingError,
  ValidationError,
} from '@licensor/sdk';

const cases = [
  ['INSUFFICIENT_LICENSE', InsufficientLicenseError],
  ['LICENSE_MISSING', LicenseMissingError],
  ['LICENSE_EXPIRED', LicenseExpiredError],
  ['LICENSE_NOT_YET_VALID', LicenseExpiredError],
  ['LEASE_NOT_FOUND', LeaseLostError],
  ['LEASE_EVICTED', LeaseLostError],
  ['FEATURE_NOT_LICENSED', FeatureNotLicensedError],
  ['QUOTA_EXCEEDED', QuotaExceededError],
  ['MODULE_NOT_LICENSED', ModuleNotLicensedError],
  ['MODULE_UNKNOWN', ModuleNotLicensedError],
  ['UNAUTHENTICATED', AuthenticationError],
  ['FORBIDDEN', AuthenticationError],
  ['VALIDATION_FAILED', ValidationError],
  ['CONNECTION_FAILED', ConnectionError],
  ['REQUEST_TIMEOUT', ConnectionError],
] as const;

for (const [code, Class] of cases) {
  test(`toLicensingError maps ${code} to ${Class.name}`, () => {
    const err = toLicensingError({
      code,
      detail: `because ${code}`,
      status: 409,
      requestId: 'req_1',
      data: { used: 5 },
    });
    assert.ok(err instanceof Class);
    assert.ok(err instanceof LicensingError);
    assert.ok(err instanceof Error);
    assert.equal(err.code, code);
    assert.equal(err.name, Class.name);
    assert.equal(err.detail, `because ${code}`);
    assert.equal(err.status, 409);
    assert.equal(err.requestId, 'req_1');
    assert.deepEqual(err.data, { used: 5 });
  });
}

test('the message of an InsufficientLicenseError is readable by a cashier', () => {
  const err = toLicensingError({
    code: 'INSUFFICIENT_LICENSE',
    detail: 'connections exceeded: 5 of 5 in use',
    status: 409,
  });
  assert.equal(err.message, 'INSUFFICIENT_LICENSE: connections exceeded: 5 of 5 in use');
});

test('codes without a class of their own stay LicensingError with the code kept', () => {
  const err = toLicensingError({ code: 'HARDWARE_KEY_MISMATCH', detail: 'bound elsewhere' });
  assert.equal(err.constructor, LicensingError);
  assert.equal(err.code, 'HARDWARE_KEY_MISMATCH');
});

test('an unknown or missing code becomes INTERNAL with the HTTP status and a detail that says so', () => {
  const unknown = toLicensingError({ code: 'SOMETHING_NEW', title: 'Teapot' }, 418);
  assert.equal(unknown.code, 'INTERNAL');
  assert.equal(unknown.status, 418);
  assert.equal(unknown.detail, 'Teapot');
  const empty = toLicensingError(undefined, 502);
  assert.equal(empty.code, 'INTERNAL');
  assert.match(empty.detail, /502/);
  assert.deepEqual(empty.data, {});
});

test('field and data survive the mapping', () => {
  const err = toLicensingError({ code: 'VALIDATION_FAILED', detail: 'holderId must be a string', field: 'holderId' });
  assert.ok(err instanceof ValidationError);
  assert.equal(err.field, 'holderId');
});
