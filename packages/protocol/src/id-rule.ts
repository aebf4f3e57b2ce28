/**
 * The one rule for identifiers that applications and nodes choose or are given: holders (devices), members (cash
 * registers), child nodes, tokens, accounts, plans, webhooks. Printable ASCII without spaces, 1 to ID_MAX_LENGTH
 * characters. The same rule checks request bodies, path parameters, SDK session messages and CLI arguments, so an id
 * that was accepted anywhere can always be named again to release or remove it.
 */
export const ID_MAX_LENGTH = 200;

/** The id character set as a JSON-schema / RegExp pattern. */
export const ID_PATTERN = '^[\\x21-\\x7e]+$';

const ID_RE = new RegExp(ID_PATTERN);

/** True when `value` is a string that follows the id rule. */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= ID_MAX_LENGTH && ID_RE.test(value);
}

/** What the id rule asks for, for error messages. */
export const ID_RULE_TEXT = `1–${ID_MAX_LENGTH} printable ASCII characters without spaces`;
