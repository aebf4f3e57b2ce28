import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getLicensedModuleId, licensedModule } from '@licensor/sdk';

@licensedModule(21016318)
class CustomerScreen {
  readonly shown: string[] = [];
}

@licensedModule(21016319)
class Other {}

class Undecorated {}

class PremiumCustomerScreen extends CustomerScreen {}

test('licensedModule stores the module ID of a class', () => {
  assert.equal(getLicensedModuleId(CustomerScreen), 21016318);
  assert.equal(getLicensedModuleId(Other), 21016319);
});

test('an undecorated class has no module ID', () => {
  assert.equal(getLicensedModuleId(Undecorated), undefined);
});

test('a subclass inherits the module ID of its licensed ancestor', () => {
  assert.equal(getLicensedModuleId(PremiumCustomerScreen), 21016318);
});

test('the decorator leaves the class usable as before', () => {
  const screen = new CustomerScreen();
  assert.ok(screen instanceof CustomerScreen);
  assert.deepEqual(screen.shown, []);
});

test('licensedModule refuses a module ID that is not a non-negative integer', () => {
  assert.throws(() => licensedModule(-1), TypeError);
  assert.throws(() => licensedModule(1.5), TypeError);
});
