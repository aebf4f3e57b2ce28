/** Who decides a pool, as the shared store records it. */
export interface PoolOwnerRecord {
  moduleId: number;
  /** Grows each time the pool changes hands; every commit of the owner carries it (the fence). */
  epoch: number;
  ownerId: string;
  /** Where other processes send the pool's operations ('' while the owner has not listened yet). */
  ownerUrl: string;
}

/** The pool locks of one process on a shared store: held as long as the process (and its lock connection) lives. */
export interface PoolOwnershipLocks {
  /**
   * Takes the pool if no live process holds it: records this process as owner with the next epoch, after every commit
   * fenced by the previous epoch has finished, and returns that epoch; null when another process holds the pool.
   */
  tryTake(moduleId: number, ownerId: string, ownerUrl: string, at: number): Promise<number | null>;
  /** Gives one pool up (it could not be loaded). */
  release(moduleId: number): Promise<void>;
  /** The recorded owner of a pool (null: never owned). */
  owner(moduleId: number): Promise<PoolOwnerRecord | null>;
  /** Records where this process listens on the pools it owns (taken before it listened). */
  announce(ownerId: string, ownerUrl: string): Promise<void>;
  /** Gives every pool up (a graceful stop): other processes take them at once. */
  close(): Promise<void>;
}

/** A commit refused because a pool it changes is now owned by another process (or the license changed under it). */
export class OwnershipLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OwnershipLostError';
  }
}
