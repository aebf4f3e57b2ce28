import { type KeyObject, sign, verify } from 'node:crypto';
import { fromBase64url, toBase64url } from '../base64url.js';
import { canonicalJson } from '../canonical-json.js';
import { fail, ok, type Outcome } from '../errors/outcome.js';
import { armor, dearmor } from './armor.js';
import { importPublicKey, keyId, rawPublicKey } from './public-key.js';

/** The header of a signed document: algorithm and the id of the signing key. */
export interface DocumentHeader {
  alg: 'Ed25519';
  kid: string;
}

/** Armor lines of a signed document kind. */
export interface ArmorKind {
  begin: string;
  end: string;
}

/** Key ids by public key: exporting the key to hash it cost more than the signature's bookkeeping, at every sign. */
const kids = new WeakMap<KeyObject, string>();

/** The key id of a public KeyObject, computed once per key. */
function kidOf(publicKey: KeyObject): string {
  let kid = kids.get(publicKey);
  if (kid === undefined) {
    kid = keyId(rawPublicKey(publicKey));
    kids.set(publicKey, kid);
  }
  return kid;
}

/**
 * Signs a payload with an Ed25519 private key and returns the armored text. The body is
 * `base64url(header) "." base64url(payload) "." base64url(signature)`: the signed bytes travel as they were signed,
 * so verifying never re-serialises, and each part is decoded once.
 */
export function signDocument(payload: object, privateKey: KeyObject, publicKey: KeyObject, kind: ArmorKind): string {
  const bytes = Buffer.from(canonicalJson(payload), 'utf8');
  const header: DocumentHeader = { alg: 'Ed25519', kid: kidOf(publicKey) };
  const body = `${toBase64url(JSON.stringify(header))}.${toBase64url(bytes)}.${toBase64url(sign(null, bytes, privateKey))}`;
  return armor(body, kind.begin, kind.end);
}

/** The three decoded parts of an armored document, or a MALFORMED failure. */
export function splitDocument(
  text: string,
  kind: ArmorKind,
): Outcome<{ header: Partial<DocumentHeader>; payload: Buffer; sig: Buffer }> {
  if (typeof text !== 'string') return fail('MALFORMED', 'document must be text');
  const body = dearmor(text, kind.begin, kind.end);
  if (body === undefined) return fail('MALFORMED', `missing ${kind.begin} / ${kind.end} lines`);
  const parts = body.split('.');
  if (parts.length !== 3) return fail('MALFORMED', 'body must be header.payload.signature');
  const [h, p, g] = parts.map((x) => fromBase64url(x));
  if (!h || !p || !g) return fail('MALFORMED', 'body is not base64url');
  let header: Partial<DocumentHeader>;
  try {
    header = JSON.parse(h.toString('utf8'));
  } catch {
    return fail('MALFORMED', 'header is not JSON');
  }
  if (!header || typeof header !== 'object') return fail('MALFORMED', 'header is not an object');
  return ok({ header, payload: p, sig: g });
}

/** Parses the armor and checks the signature; returns the parsed, still unvalidated payload. */
export function openDocument(text: string, publicKeyText: string, kind: ArmorKind): Outcome<unknown> {
  const parts = splitDocument(text, kind);
  if (!parts.ok) return parts;
  const { header, payload, sig } = parts.value;
  if (header.alg !== 'Ed25519') return fail('MALFORMED', `unsupported alg ${JSON.stringify(header.alg)}`);
  const key = importPublicKey(publicKeyText);
  if (!key)
    return fail('VALIDATION_FAILED', 'public key is not an Ed25519 key (expected ed25519:<base64url> or PEM)', {
      field: 'publicKey',
    });
  // The kid is not covered by the signature, so it must name the verifying key exactly or the document is refused.
  if (header.kid !== key.kid)
    return fail('SIGNATURE_INVALID', `signed by key ${String(header.kid)}, not by ${key.kid}`);
  if (sig.length !== 64 || !verify(null, payload, key.key, sig))
    return fail('SIGNATURE_INVALID', 'signature does not match');
  try {
    return ok(JSON.parse(payload.toString('utf8')));
  } catch {
    return fail('MALFORMED', 'payload is not JSON');
  }
}
