import type { FaultPoint } from '../config/node-config.js';

/** Called at a named point of a critical path; does nothing unless a test armed that point. */
export type FaultHook = (point: FaultPoint) => void;

/**
 * The hook for `LICENSOR_FAULT`: at the armed point the process SIGKILLs itself — no finally blocks, no rollback
 * code, no graceful close — exactly what a power cut or an OOM kill does to it. Unarmed, it costs one comparison.
 */
export function faultInjector(armed: FaultPoint | null): FaultHook | undefined {
  if (!armed) return undefined;
  return (point) => {
    if (point === armed) process.kill(process.pid, 'SIGKILL');
  };
}
