/** Shortest secret `--bootstrap-admin-token` takes. */
export const MIN_ADMIN_TOKEN_LENGTH = 20;

/** Why an admin token secret chosen by the operator is too weak to guard the node, or null. */
export function adminTokenWeakness(secret: string): string | null {
  if (secret.length < MIN_ADMIN_TOKEN_LENGTH)
    return `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (got ${secret.length}); generate one with: openssl rand -hex 24`;
  if (!/^[\x21-\x7e]+$/.test(secret)) return 'must be printable ASCII without spaces';
  if (new Set(secret).size < 8)
    return 'must have at least 8 different characters; generate one with: openssl rand -hex 24';
  return null;
}
