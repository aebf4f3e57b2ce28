import type { CommitBatch } from '../store.js';

/** SQLSTATE of the fence's refusal (a division by zero only the fence statement can raise). */
export const FENCE_FAILED = '22012';

/**
 * The fence of a group of batches as one SELECT, or null when none carries one: it holds the owners' rows of the
 * changed pools FOR SHARE and fails (division by zero, FENCE_FAILED) unless every pool is still at the epoch its
 * decision was made under and the installed license is the one it was made with. All values are integers.
 */
export function fenceSql(batches: CommitBatch[]): string | null {
  const epochs = new Map<number, number>();
  let installedAt: number | null | undefined;
  for (const b of batches) {
    if (!b.fence) continue;
    installedAt = b.fence.licenseInstalledAt;
    for (const [moduleId, epoch] of b.fence.pools) {
      const seen = epochs.get(moduleId);
      // Two epochs for one pool in one group: the pool changed hands between the decisions; the older one must fail.
      epochs.set(moduleId, seen === undefined ? epoch : Math.min(seen, epoch));
    }
  }
  if (installedAt === undefined) return null;
  for (const [id, epoch] of epochs)
    if (!Number.isSafeInteger(id) || !Number.isSafeInteger(epoch)) throw new Error('fence values must be integers');
  if (installedAt !== null && !Number.isSafeInteger(installedAt)) throw new Error('fence values must be integers');
  const license = `(SELECT installed_at FROM license WHERE slot = 1) IS NOT DISTINCT FROM ${installedAt ?? 'NULL'}`;
  const owners = epochs.size
    ? `(SELECT count(*) FROM (SELECT 1 FROM pool_owners WHERE (module_id, epoch) IN (${[...epochs].map(([m, e]) => `(${m}, ${e})`).join(', ')}) FOR SHARE) f) = ${epochs.size}`
    : 'true';
  return `SELECT 1 / (CASE WHEN ${owners} AND ${license} THEN 1 ELSE 0 END) AS fenced`;
}
