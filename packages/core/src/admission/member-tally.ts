import type { Member, PoolState } from './pool-state.js';

/** What a new member's join needs to know of the pool's members, kept up to date instead of walked for. */
export interface MemberTally {
  /** The highest join sequence of the members. */
  seq: number;
  /** The latest first connection of the members. */
  latest: number;
  /** Members holding a seat (state active). */
  seats: number;
}

/**
 * The pool's member tally, counted once from its members when first needed (or after a refill dropped it), then kept by
 * the member operations: a site joining a central with 50,000 others must not walk them all.
 */
export function memberTally(pool: PoolState): MemberTally {
  if (pool.memberTally) return pool.memberTally;
  const tally: MemberTally = { seq: 0, latest: Number.NEGATIVE_INFINITY, seats: 0 };
  for (const m of pool.members.values()) {
    tally.seq = Math.max(tally.seq, m.seq);
    tally.latest = Math.max(tally.latest, m.firstConnectedAt);
    if (m.state === 'active') tally.seats++;
  }
  pool.memberTally = tally;
  return tally;
}

/** A member took (+1) or gave up (-1) a seat; a tally not counted yet is counted when next needed. */
export function countSeat(pool: PoolState, delta: 1 | -1): void {
  if (pool.memberTally) pool.memberTally.seats += delta;
}

/**
 * A member left the pool. The seat is counted off; when it held the highest sequence or the latest connection the tally
 * is dropped and counted again at the next join, so a new member gets the number it would get from a fresh count.
 */
export function countLeaving(pool: PoolState, member: Member): void {
  const tally = pool.memberTally;
  if (!tally) return;
  if (member.seq >= tally.seq || member.firstConnectedAt >= tally.latest) pool.memberTally = undefined;
  else if (member.state === 'active') tally.seats--;
}
