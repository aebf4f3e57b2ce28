import { readFileSync } from 'node:fs';
import { fail, ok, type Outcome } from '@licensor/protocol';
import type { NodeConfig } from '../config/node-config.js';
import type { LicensorNode } from '../node/licensor-node.js';

/**
 * The license a node starts with: a stored license it may not run (bound to another key source) stops the start, as
 * it would with `--license`; a `--license` file other than the installed one is installed.
 */
export async function takeStartLicense(
  node: LicensorNode,
  config: Pick<NodeConfig, 'licenseFile'>,
): Promise<Outcome<null>> {
  const stored = config.licenseFile ? null : await node.store.getLicense();
  const storedProblem = stored ? node.licensing.storedLicenseProblem(stored.text) : null;
  if (storedProblem?.code === 'KEY_SOURCE_MISMATCH')
    return fail(storedProblem.code, `the installed license: ${storedProblem.message}`);
  if (!config.licenseFile) return ok(null);
  let text: string;
  try {
    text = readFileSync(config.licenseFile, 'utf8');
  } catch {
    return fail('VALIDATION_FAILED', `cannot read license file ${config.licenseFile}`, { field: 'licenseFile' });
  }
  if (node.licensing.license?.text === text) return ok(null);
  const installed = await node.installer.installLicense(text, 'licensor serve --license');
  if (!installed.ok) return fail(installed.code, `license file ${config.licenseFile}: ${installed.message}`);
  return ok(null);
}
