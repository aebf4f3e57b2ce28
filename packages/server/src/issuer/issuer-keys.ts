import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail, formatPublicKey, importPublicKey, keyId, type Outcome, ok, rawPublicKey } from '@licensor/protocol';

/** File names inside an issuer directory. */
export const ISSUER_KEY_FILE = 'issuer.key';
export const ISSUER_PUB_FILE = 'issuer.pub';

/** The vendor's signing keys. */
export interface IssuerKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `ed25519:<base64url>` */
  publicKeyText: string;
  /** Key id (first 16 hex chars of SHA-256 of the raw public key), as written in signed envelopes. */
  kid: string;
  dir: string;
}

/**
 * Creates an Ed25519 issuer key pair in `dir`: `issuer.key` (PKCS#8 PEM, mode 0600) and `issuer.pub`
 * (`ed25519:<base64url>`). Refuses to replace existing keys unless `force`.
 */
export function initIssuerKeys(
  dir: string,
  options: { force?: boolean } = {},
): Outcome<{ publicKeyText: string; kid: string; keyPath: string; pubPath: string }> {
  const keyPath = join(dir, ISSUER_KEY_FILE);
  const pubPath = join(dir, ISSUER_PUB_FILE);
  if (!options.force && (existsSync(keyPath) || existsSync(pubPath))) {
    return fail(
      'CONFLICT',
      `issuer keys already exist in ${dir}; use --force to replace them (licenses signed with the old key will no longer verify against the new public key)`,
    );
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    return fail('VALIDATION_FAILED', `cannot create ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  const publicKeyText = formatPublicKey(raw);
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  // Write both to temporary names first, then rename: never leave a half-written pair behind.
  const tmpKey = `${keyPath}.${process.pid}.tmp`;
  const tmpPub = `${pubPath}.${process.pid}.tmp`;
  writeFileSync(tmpKey, pem, { mode: 0o600, flag: 'w' });
  chmodSync(tmpKey, 0o600);
  writeFileSync(tmpPub, `${publicKeyText}\n`, { mode: 0o644 });
  renameSync(tmpKey, keyPath);
  renameSync(tmpPub, pubPath);
  return ok({ publicKeyText, kid: keyId(raw), keyPath, pubPath });
}

/** Reads the public key text (`ed25519:<base64url>`) of an issuer directory. */
export function readIssuerPublicKey(dir: string): Outcome<string> {
  const pubPath = join(dir, ISSUER_PUB_FILE);
  let text: string;
  try {
    text = readFileSync(pubPath, 'utf8').trim();
  } catch {
    return fail('NOT_FOUND', `no issuer public key at ${pubPath} (run \`licensor keys init --dir ${dir}\` first)`);
  }
  if (!importPublicKey(text)) return fail('VALIDATION_FAILED', `${pubPath} does not hold an Ed25519 public key`);
  return ok(text);
}

/** Loads the issuer key pair of a directory and checks that the public key belongs to the private key. */
export function loadIssuerKeys(dir: string): Outcome<IssuerKeys> {
  const keyPath = join(dir, ISSUER_KEY_FILE);
  let pem: string;
  try {
    pem = readFileSync(keyPath, 'utf8');
  } catch {
    return fail('NOT_FOUND', `no issuer key at ${keyPath} (run \`licensor keys init --dir ${dir}\` first)`);
  }
  if ((statSync(keyPath).mode & 0o077) !== 0) {
    return fail('FORBIDDEN', `${keyPath} is readable by group or others; run \`chmod 600 ${keyPath}\``);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    return fail('VALIDATION_FAILED', `${keyPath} is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') return fail('VALIDATION_FAILED', `${keyPath} is not an Ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  const raw = rawPublicKey(publicKey);
  const publicKeyText = formatPublicKey(raw);
  const pub = readIssuerPublicKey(dir);
  if (pub.ok && pub.value !== publicKeyText) {
    return fail('CONFLICT', `${join(dir, ISSUER_PUB_FILE)} does not match ${keyPath}`);
  }
  return ok({ privateKey, publicKey, publicKeyText, kid: keyId(raw), dir });
}
