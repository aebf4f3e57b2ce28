import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keySourceAccepts } from '../src/node/node-hardware-key.js';

const key = 'a'.repeat(64);
const lic = (keySource: 'usb' | 'machine-id' | 'any', developer?: string) => ({
  id: 'lic_1',
  keySource,
  ...(developer ? { developer: { id: developer } } : {}),
});

test('the key source the vendor signed decides which keys a node may run the license on', () => {
  const usb = { key, source: 'usb' as const, trusted: true };
  const usbUnderRoot = { key, source: 'usb' as const, trusted: false };
  const machine = { key, source: 'machine-id' as const, trusted: true };
  const byHand = { key, source: 'explicit' as const, trusted: false };
  assert.ok(keySourceAccepts(lic('usb'), usb).ok);
  assert.ok(keySourceAccepts(lic('machine-id'), machine).ok);
  for (const hw of [usb, usbUnderRoot, machine, byHand]) assert.ok(keySourceAccepts(lic('any'), hw).ok);
  for (const hw of [usb, usbUnderRoot, machine, byHand])
    assert.ok(keySourceAccepts(lic('usb', 'acme'), hw).ok, 'a developer license runs anywhere');
  for (const [l, hw] of [
    [lic('usb'), byHand],
    [lic('usb'), usbUnderRoot],
    [lic('usb'), machine],
    [lic('machine-id'), usb],
    [lic('machine-id'), byHand],
  ] as const) {
    const r = keySourceAccepts(l, hw);
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.code, 'KEY_SOURCE_MISMATCH');
    assert.match(r.ok ? '' : r.message, new RegExp(`key source ${l.keySource}`));
  }
});
