import { hostname } from 'node:os';
import { fail } from '@licensor/protocol';
import { int, optionalChoice, optionalInt, optionalText, text } from './option-kinds.js';
import { HOUR, INT32_MAX, type NodeOptionTable } from './node-option.js';

/** The link to a parent node, child allocations, and the test-only fault switch. */
export const HIERARCHY_OPTIONS = {
  upstreamUrl: {
    ...optionalText((value, name) =>
      /^https?:\/\/[^\s/]+/.test(value)
        ? null
        : fail(
            'VALIDATION_FAILED',
            `${name.flag} must be an http(s):// URL of the parent node, got ${JSON.stringify(value)}`,
            { field: name.field },
          ),
    ),
    env: 'LICENSOR_UPSTREAM',
    flag: '--upstream',
    arg: 'url',
    help: 'parent node URL: this node is a child in an enterprise tree and syncs with it',
    doc: 'the parent node: this node is a child in an enterprise tree, syncs with it and serves on the allocation it sends (docs/api.md, Enterprise tree)',
  },
  upstreamToken: {
    ...optionalText(),
    env: 'LICENSOR_UPSTREAM_TOKEN',
    arg: 'secret',
    help: 'a node token created on the parent (licensor token create --role node)',
    doc: 'a `node` token created on the parent; required with `--upstream`',
  },
  upstreamPublicKey: {
    ...optionalText(),
    env: 'LICENSOR_UPSTREAM_PUBLIC_KEY',
    arg: 'key',
    help: "the parent's node key to trust, ed25519:<base64url>",
    doc: "the parent's node key to trust (`ed25519:…`, see the parent's `licensor nodes`); without it the key of the first answer is pinned",
    shownDefault: 'pin the first one seen',
  },
  nodeName: {
    ...text(hostname),
    env: 'LICENSOR_NODE_NAME',
    arg: 'name',
    help: 'name shown to the parent',
    doc: 'the name this node shows its parent',
    shownDefault: 'host name',
  },
  countedAs: {
    ...optionalInt(1, INT32_MAX),
    env: 'LICENSOR_COUNTED_AS',
    arg: 'module',
    help: 'accepted for compatibility, without effect: the parent counts every child in the child-node module it holds',
    doc: "accepted for compatibility, without effect on counting: the parent counts every child in the child-node module it holds (1003; beyond the quantity: blocked, latest first), by the child's hardware key",
  },
  syncIntervalMs: {
    ...int(100, 24 * HOUR, 60_000),
    env: 'LICENSOR_SYNC_INTERVAL_MS',
    arg: 'ms',
    help: "how often this node's children sync",
    doc: "how often this node's children sync (they learn it from each answer)",
  },
  allocationWindowMs: {
    ...int(1000, 365 * 24 * HOUR, 72 * HOUR),
    env: 'LICENSOR_ALLOCATION_WINDOW_MS',
    arg: 'ms',
    help: 'how long children serve on an allocation without a sync',
    doc: "how long this node's children keep serving on an allocation without a sync: their offline grace",
    shownDefault: '`259200000` (72 h)',
  },
  fault: {
    ...optionalChoice(['crash-after-charge', 'crash-after-renewal-commit']),
    env: 'LICENSOR_FAULT',
    envOnly: true,
    help: 'test-only: SIGKILL the node at this point',
    doc: 'test-only fault injection',
  },
} satisfies Partial<NodeOptionTable>;
