import { fail, type Outcome, ok } from '@licensor/protocol';
import type { Catalog } from '../catalog/module-definition.js';

/**
 * Checks a register profile: every enabled feature must be a feature of this application and licensed. The base
 * functionality (an empty list) needs no feature license. Lists every offender, so one answer says all that is missing.
 */
export function checkFeatureProfile(
  catalog: Catalog,
  licensed: (moduleId: number) => boolean,
  applicationId: number,
  featureIds: number[],
): Outcome<{ features: number[] }> {
  const app = catalog.modules.get(applicationId);
  if (!app)
    return fail('MODULE_UNKNOWN', `module ${applicationId} is not in the catalog ${catalog.name}`, {
      data: { unknown: [applicationId] },
    });
  if (app.kind !== 'application') {
    return fail('MODULE_KIND_MISMATCH', `${applicationId} ${app.name} is a ${app.kind}, not an application`, {
      data: { mismatched: [applicationId] },
    });
  }
  const features = [...new Set(featureIds)];
  const bad = features.filter((id) => !Number.isInteger(id));
  if (bad.length > 0) return fail('VALIDATION_FAILED', 'features must be integer module IDs', { field: 'features' });

  const unknown = features.filter((id) => !catalog.modules.has(id));
  if (unknown.length > 0) {
    return fail('MODULE_UNKNOWN', `profile enables modules not in the catalog ${catalog.name}: ${unknown.join(', ')}`, {
      data: { unknown },
    });
  }
  const describe = (id: number) => `${id} ${catalog.modules.get(id)!.name}`;
  const mismatched = features.filter((id) => {
    const m = catalog.modules.get(id)!;
    return m.kind !== 'feature' || m.extends !== applicationId;
  });
  if (mismatched.length > 0) {
    return fail(
      'MODULE_KIND_MISMATCH',
      `profile enables modules that are not features of ${app.name}: ${mismatched.map(describe).join(', ')}`,
      {
        data: { mismatched },
      },
    );
  }
  const missing = features.filter((id) => !licensed(id));
  if (missing.length > 0) {
    return fail('FEATURE_NOT_LICENSED', `profile enables unlicensed features: ${missing.map(describe).join(', ')}`, {
      data: { missing, applicationId },
    });
  }
  return ok({ features });
}
