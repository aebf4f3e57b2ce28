// License-file verifications per second on one core, against raw node:crypto Ed25519 verify of the same signed bytes.
// Rounds alternate (raw, file, raw, file, …) so both see the same machine state; medians are reported. ~10 s total.
import { generateKeyPairSync, verify } from 'node:crypto';
import {
  dearmor,
  formatPublicKey,
  type LicensePayload,
  rawPublicKey,
  signLicense,
  verifyLicenseFile,
} from '@licensor/protocol';
import { ownCpuSeconds } from '../support/cpu-meter.js';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const ROUND_MS = Number(process.env.ROUND_MS ?? 450);

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pub = formatPublicKey(rawPublicKey(publicKey));
const hardwareKey = '3d96afd12bdf7c4df8cf7fa0c2d525a44dc76d91fe7ed4a1ab481b16821858a3';
// A realistic file: a centralized rental for a restaurant chain with the suite and add-ons.
const payload: LicensePayload = {
  v: 2,
  id: 'lic_3k9xq7w2m8d4h6pz',
  issuer: '2c35f7f85be4fb57',
  customer: { id: 'cus_a1b2c3d4e5f6g7h8', name: 'Café Central Restaurants LLC' },
  hardwareKey,
  scope: 'centralized',
  term: { type: 'rental', period: 'month' },
  entitlements: [1001, 1002, 1003, 1004, 2001, 2101, 2102, 2103, 2104, 2105, 2106, 2107, 2108, 3001, 4001, 5001].map(
    (moduleId) => ({
      moduleId,
      quantity: moduleId >= 2101 && moduleId <= 2108 ? null : moduleId < 2000 ? (moduleId === 1003 ? 8 : null) : 25,
    }),
  ),
  catalog: 'openservice',
  keySource: 'usb',
  // Terms as the vendor CLI copies them from the catalog: a realistic file carries one entry per module.
  modules: [1001, 1002, 1003, 1004, 2001, 2101, 2102, 2103, 2104, 2105, 2106, 2107, 2108, 3001, 4001, 5001].map(
    (id) => ({
      id,
      name: `OpenService module ${id}`,
      kind: id >= 2101 && id <= 2108 ? 'feature' : 'application',
      policy: { strategy: 'UNCOUNTED' },
      heartbeatTtlSeconds: 60,
      developer: 'openservice',
      ...(id >= 2101 && id <= 2108 ? { extends: 2001 } : {}),
      description:
        'The number of connected cash registers; beyond it, synchronization stops for the registers that connected last.',
    }),
  ),
  issuedAt: '2026-01-01T00:00:00.000Z',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2026-02-01T00:00:00.000Z',
};
const file = signLicense(payload, privateKey, publicKey);
const [, signedPart, sigPart] = dearmor(file)!.split('.');
const signedBytes = Buffer.from(signedPart!, 'base64url');
const sig = Buffer.from(sigPart!, 'base64url');
const at = Date.parse('2026-01-15T00:00:00Z');

function viaFile(): boolean {
  return verifyLicenseFile(file, { publicKey: pub, hardwareKey, at }).ok;
}
function raw(): boolean {
  return verify(null, signedBytes, publicKey, sig);
}

// Rates are per CPU second of this thread (process.cpuUsage), so other processes on a busy machine do not count
// against either side; rounds are still bounded by wall time.
function round(fn: () => boolean): number {
  let n = 0;
  const cpu0 = ownCpuSeconds();
  const stop = process.hrtime.bigint() + BigInt(ROUND_MS) * 1_000_000n;
  while (process.hrtime.bigint() < stop) {
    for (let i = 0; i < 64; i++) if (!fn()) throw new Error('verification failed');
    n += 64;
  }
  return n / (ownCpuSeconds() - cpu0);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

console.log(
  `license file: ${file.length} bytes armored, ${signedBytes.length} bytes signed payload, ${payload.entitlements.length} entitlements`,
);
round(raw);
round(viaFile); // warm-up
const raws: number[] = [];
const files: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  raws.push(round(raw));
  files.push(round(viaFile));
}
const mr = median(raws);
const mf = median(files);
const ratio = mf / mr;
console.log(`raw node:crypto verify   median ${mr.toFixed(0)}/s  (rounds: ${raws.map((x) => x.toFixed(0)).join(' ')})`);
console.log(
  `verifyLicenseFile        median ${mf.toFixed(0)}/s  (rounds: ${files.map((x) => x.toFixed(0)).join(' ')})`,
);
console.log(
  `process CPU per 1,000 verifications: raw ${(1000 / mr).toFixed(3)} CPU-s, verifyLicenseFile ${(1000 / mf).toFixed(3)} CPU-s`,
);
console.log(`ratio ${(ratio * 100).toFixed(1)}% of raw (target ≥ 80%) ${ratio >= 0.8 ? 'PASS' : 'BELOW TARGET'}`);
