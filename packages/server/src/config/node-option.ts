import type { NodeConfig } from './node-config.js';
import type { OptionKind } from './option-kinds.js';

/** How an option is given and explained: the half of its definition that `--help` and docs/cli.md are made of. */
export interface OptionMeta {
  env: string;
  /** The flag when it is not the field name in kebab case. */
  flag?: string;
  /** Environment only: no flag, left out of `--help` and docs/cli.md (test-only switches). */
  envOnly?: true;
  /** What the flag takes, e.g. `ms` for `--session-grace-ms <ms>`. */
  arg?: string;
  /** One line for `licensor serve --help`. */
  help: string;
  /** The docs/cli.md table's meaning column (Markdown). */
  doc: string;
  /** The default in words when it is not a plain value (Markdown; backticks are dropped in `--help`). */
  shownDefault?: string;
}

/** One option of `licensor serve`: its flag, environment variable, default, accepted values and description. */
export type NodeOption<T> = OptionMeta & OptionKind<T>;

/** Every option of `licensor serve`, one per NodeConfig field. */
export type NodeOptionTable = { [K in keyof NodeConfig]: NodeOption<NodeConfig[K]> };

/**
 * Default sustained rate per token. Generous on purpose: the HTTP benchmark drives ≈ 4,600 requests/s through one
 * token on a 2-core machine, and the limit is there to stop a runaway client, not to shape normal traffic.
 */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 10_000;

/** Child nodes one `node` token may register unless `--max-children-per-token` says otherwise. */
export const DEFAULT_MAX_CHILDREN_PER_TOKEN = 10;

/** One hour in milliseconds. */
export const HOUR = 3_600_000;
/** The largest 32-bit signed integer (a limit on millisecond timers). */
export const INT32_MAX = 2_147_483_647;
