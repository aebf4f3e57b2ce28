import { type AdmissionPolicy, createPool, type ModuleDefinition, type PoolState } from '@licensor/core';

/** A module definition for tests; TTL 60 s unless given. */
export function moduleOf(
  id: number,
  name: string,
  policy: AdmissionPolicy,
  extra: Partial<ModuleDefinition> = {},
): ModuleDefinition {
  return { id, name, kind: 'application', policy, heartbeatTtlSeconds: 60, developer: 'openservice', ...extra };
}

export const T0 = Date.parse('2026-03-01T09:00:00Z');
export const SEC = 1000;
export const MIN = 60 * SEC;

export const manager = (quantity: number | null): PoolState =>
  createPool(moduleOf(4001, 'OpenService.Manager', { strategy: 'REJECT_NEW' }), quantity);

export const waiter = (quantity: number | null, idleThresholdSeconds = 900): PoolState =>
  createPool(
    moduleOf(4005, 'OpenService.Mobile Waiter', { strategy: 'EVICT_INACTIVE', idleThresholdSeconds }),
    quantity,
  );

export const registers = (quantity: number | null, memberInactiveAfterSeconds: number | null = null): PoolState =>
  createPool(
    moduleOf(4002, 'OpenService.Cash Register', { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds }),
    quantity,
  );

export const processing = (quantity: number | null): PoolState =>
  createPool(
    moduleOf(4003, 'Processing Center', {
      strategy: 'DEGRADE',
      allowedWhenOverQuota: ['debit-existing-account'],
      refusedWhenOverQuota: ['accept-new-data', 'send-new-data'],
    }),
    quantity,
  );

export const uncounted = (): PoolState =>
  createPool(moduleOf(4010, 'OpenService.Data Server', { strategy: 'UNCOUNTED' }), null);

let n = 0;
/** A fresh lease id. */
export const lid = (): string => `lse_${++n}`;
