import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Default filesystem paths. The one place environment variables are read for paths; commands take these as option
 * defaults so everything else receives explicit paths.
 */
export function defaultIssuerDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LICENSOR_ISSUER_DIR || join(homedir(), '.licensor', 'issuer');
}
