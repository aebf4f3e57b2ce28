import type { NodeOptionTable } from './node-option.js';
import { FEATURE_OPTIONS } from './node-options-features.js';
import { HIERARCHY_OPTIONS } from './node-options-hierarchy.js';
import { HTTP_OPTIONS } from './node-options-http.js';
import { HARDWARE_KEY_AND_RUNTIME_OPTIONS } from './node-options-runtime.js';
import { STORE_AND_LICENSE_OPTIONS } from './node-options-store.js';

export {
  DEFAULT_MAX_CHILDREN_PER_TOKEN,
  DEFAULT_RATE_LIMIT_PER_SECOND,
  type NodeOption,
  type NodeOptionTable,
  type OptionMeta,
} from './node-option.js';

/** The options of `licensor serve`, in the order `--help` and docs/cli.md list them (one file per group). */
export const NODE_OPTIONS: NodeOptionTable = {
  ...STORE_AND_LICENSE_OPTIONS,
  ...HARDWARE_KEY_AND_RUNTIME_OPTIONS,
  ...HTTP_OPTIONS,
  ...FEATURE_OPTIONS,
  ...HIERARCHY_OPTIONS,
};
