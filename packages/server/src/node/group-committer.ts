import type { CommitBatch, Store } from '../store/store.js';

interface Pending {
  batch: CommitBatch;
  resolve: (seqs: number[]) => void;
  reject: (err: unknown) => void;
}

/** Operations per transaction unless the store asks otherwise; the rest waits for a later turn of the event loop. */
const MAX_GROUP = 32;

/**
 * Group commit: operations decided in the same turn of the event loop are written in one transaction, and each is
 * acknowledged only after that transaction commits. One fsync then pays for many operations, and nothing is
 * acknowledged that a crash could lose.
 *
 * Why groups are small and one per turn: a client with many operations in flight sends them in one burst. Committing
 * the whole burst and answering it at once makes client and node take turns, each idle while the other works. A
 * group of at most MAX_GROUP is committed, its answers leave (sessions flush on the next tick), and the next group is
 * committed in the following turn, while the client already works on the first answers. Measured with 64 workers on
 * one session (bench/README.md): about a third more cycles per second than one group per burst, and a lower p99.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  batchesCommitted = 0;
  operationsCommitted = 0;

  constructor(
    private readonly store: Store,
    /** Called once after a failed commit, when nothing is queued: memory must go back to what the store holds. */
    private readonly onFailure: (err: unknown) => Promise<void> = async () => {},
    private readonly maxGroup: number = MAX_GROUP,
  ) {}

  /** Queues a batch; resolves with its events' sequence numbers once durable. */
  submit(batch: CommitBatch): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.inFlight = this.flush().finally(() => {
        this.inFlight = null;
        if (this.queue.length) this.schedule();
      });
    });
  }

  /** Commits one group; schedule() runs the next in a later turn, after this group's answers have left. */
  private async flush(): Promise<void> {
    const group = this.queue.splice(0, this.maxGroup);
    try {
      const seqs = await this.store.commit(group.map((p) => p.batch));
      this.batchesCommitted++;
      this.operationsCommitted += group.length;
      group.forEach((p, i) => {
        p.resolve(seqs[i] ?? []);
      });
    } catch (err) {
      // Everything still queued was decided on top of the failed group's state: refuse it too, then resynchronise
      // memory with the store once, so no decision survives that the store does not hold.
      const rest = this.queue.splice(0);
      for (const p of group) p.reject(err);
      for (const p of rest) p.reject(err);
      await this.onFailure(err).catch(() => undefined);
    }
  }

  /** Resolves when everything queued so far is committed. */
  async drain(): Promise<void> {
    while (this.queue.length || this.inFlight || this.scheduled) {
      await (this.inFlight ?? new Promise((r) => setImmediate(r)));
    }
  }
}
