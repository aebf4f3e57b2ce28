import { LeaseLostError } from './errors/lease-lost-error.js';

/** A release's answer carries nothing the caller needs. */
export function released(): void {}

/** Already gone on the node is what release wants; anything else is worth telling the caller. */
export function ignoreLeaseLost(err: unknown): void {
  if (err instanceof LeaseLostError) return;
  throw err;
}

/** The key of a holder's lease in a client's table. */
export function leaseKey(moduleId: number, holderId: string): string {
  return `${moduleId}\u0000${holderId}`;
}
