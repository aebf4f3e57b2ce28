import { type KeyObject, sign, verify } from 'node:crypto';
import { fromBase64url, toBase64url } from '../base64url.js';
import { canonicalJson } from '../canonical-json.js';
import { fail, ok, type Outcome } from '../errors/outcome.js';
import { armor, dearmor } from './armor.js';
import { importPublicKey, keyId, rawPublicKey } from './public-key.js';

/** The envelope inside the armor: the signed bytes travel as they were signed, so verifying never re-serialises. */
export interface Envelope {
  payload: string;
  alg: 'Ed25519';
  kid: string;
  sig: string;
}

/** Armor lines of a signed document kind. */
export interface ArmorKind {
  begin: string;
  end: string;
}

/** Signs a payload with an Ed25519 private key and returns the armored text. */
export function signDocument(payload: object, privateKey: KeyObject, publicKey: KeyObject, kind: ArmorKind): string {
  const text = canonicalJson(payload);
  const bytes = Buffer.from(text, 'utf8');
  const sig = sign(null, bytes, privateKey);
  const envelope: Envelope = { payload: toBase64url(bytes), alg: 'Ed25519', kid: keyId(rawPublicKey(publicKey)), sig: toBase64url(sig) };
  return armor(toBase64url(JSON.stringify(envelope)), kind.begin, kind.end);
}

/** Parses the armor and envelope and checks the signature; returns the parsed, still unvalidated payload. */
export function openDocument(text: string, publicKeyText: string, kind: ArmorKind): Outcome<unknown> {
  if (typeof text !== 'string') return fail('MALFORMED', 'document must be text');
  const body = dearmor(text, kind.begin, kind.end);
  if (body === undefined) return fail('MALFORMED', `missing ${kind.begin} / ${kind.end} lines`);
  const envelopeBytes = fromBase64url(body);
  if (!envelopeBytes) return fail('MALFORMED', 'body is not base64url');
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(envelopeBytes.toString('utf8'));
  } catch {
    return fail('MALFORMED', 'envelope is not JSON');
  }
  if (!envelope || typeof envelope !== 'object' || typeof envelope.payload !== 'string' || typeof envelope.sig !== 'string') {
    return fail('MALFORMED', 'envelope lacks payload or sig');
  }
  if (envelope.alg !== 'Ed25519') return fail('MALFORMED', `unsupported alg ${JSON.stringify(envelope.alg)}`);
  const key = importPublicKey(publicKeyText);
  if (!key) return fail('VALIDATION_FAILED', 'public key is not an Ed25519 key (expected ed25519:<base64url> or PEM)', { field: 'publicKey' });
  const payloadBytes = fromBase64url(envelope.payload);
  const sig = fromBase64url(envelope.sig);
  if (!payloadBytes || !sig) return fail('MALFORMED', 'payload or sig is not base64url');
  // The kid is outside the signed bytes, so it must match exactly: a changed kid is a changed file.
  if (envelope.kid !== key.kid) return fail('SIGNATURE_INVALID', `signed by key ${String(envelope.kid)}, not by ${key.kid}`);
  if (sig.length !== 64 || !verify(null, payloadBytes, key.key, sig)) return fail('SIGNATURE_INVALID', 'signature does not match');
  try {
    return ok(JSON.parse(payloadBytes.toString('utf8')));
  } catch {
    return fail('MALFORMED', 'payload is not JSON');
  }
}
