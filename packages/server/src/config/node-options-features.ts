import { int, optionalPath } from './option-kinds.js';
import { HOUR, type NodeOptionTable } from './node-option.js';

/** Usage sampling, event retention, the dashboard, webhooks and rentals. */
export const FEATURE_OPTIONS = {
  usageSampleIntervalMs: {
    ...int(50, HOUR, 60_000),
    env: 'LICENSOR_USAGE_SAMPLE_INTERVAL_MS',
    arg: 'ms',
    help: "how often pool use is sampled for the dashboard's charts",
    doc: "how often every licensed pool's use is sampled for the dashboard's usage charts (`GET /v1/usage`)",
  },
  usageRetentionDays: {
    ...int(1, 3650, 30),
    env: 'LICENSOR_USAGE_RETENTION_DAYS',
    arg: 'days',
    help: 'how long usage samples are kept',
    doc: 'how long usage samples are kept; older ones are pruned as new ones are taken',
  },
  eventsRetentionDays: {
    ...int(0, 36_500, 30),
    env: 'LICENSOR_EVENTS_RETENTION_DAYS',
    arg: 'days',
    help: 'how long the events feed is kept, 0 = forever',
    doc: 'how long the events feed is kept (`0` = forever); older events are deleted in small batches every 10 s. The audit log is kept',
  },
  dashboardDir: {
    ...optionalPath(),
    env: 'LICENSOR_DASHBOARD_DIR',
    arg: 'dir',
    help: 'built dashboard served at /',
    doc: 'the built admin dashboard served at `/`',
    shownDefault: '`packages/web/dist`',
  },
  webhookMaxAttempts: {
    ...int(1, 50, 8),
    env: 'LICENSOR_WEBHOOK_MAX_ATTEMPTS',
    arg: 'n',
    help: 'attempts per webhook delivery before giving up',
    doc: 'attempts per webhook delivery before it is marked `failed`',
  },
  webhookRetryBaseMs: {
    ...int(10, 24 * HOUR, 30_000),
    env: 'LICENSOR_WEBHOOK_RETRY_BASE_MS',
    arg: 'ms',
    help: 'wait before the second attempt, doubling with jitter after',
    doc: 'wait before the second attempt; each later wait doubles (jittered into its upper half, capped at 6 h)',
  },
  webhookTimeoutMs: {
    ...int(100, 120_000, 10_000),
    env: 'LICENSOR_WEBHOOK_TIMEOUT_MS',
    arg: 'ms',
    help: 'how long one webhook request may take',
    doc: 'how long one webhook request may take',
  },
  rentalExpiringDays: {
    ...int(0, 90, 3),
    env: 'LICENSOR_RENTAL_EXPIRING_DAYS',
    arg: 'days',
    help: 'send license.expiring this many days before an unfunded rental period ends',
    doc: 'a vendor node sends `license.expiring` this many days before an unfunded rental period ends',
  },
} satisfies Partial<NodeOptionTable>;
