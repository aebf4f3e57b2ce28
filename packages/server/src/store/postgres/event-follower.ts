import pg from 'pg';
import type { StoredEvent } from '../store.js';
import { clientConfig, type PostgresTarget } from './postgres-connection.js';

/** What the follower needs from its store. */
export interface FollowerSource {
  target: PostgresTarget;
  channel: string;
  /** Events after a cursor, oldest first. */
  read(after: number, limit: number): Promise<StoredEvent[]>;
  /** True (once) for events this process wrote: their writers already told local listeners. */
  takeLocal(seq: number): boolean;
  /** The NOTIFY payload of this process's own commits. */
  writer: string;
  /** The cursor moved past this process's own seqs that follow it without a gap (see LocalSeqs.advance). */
  advanceLocal(cursor: number): number;
}

const POLL_MS = 1000;
const RECONNECT_MS = 500;
/** How long other writers' commits are gathered before one read (the delay their events reach this process with). */
const FOREIGN_BATCH_MS = 10;

/**
 * Follows the events feed across processes: LISTEN wakes it at once, a poll every second covers missed
 * notifications, and the cursor makes a reconnect resume exactly where it stopped (no event skipped or repeated,
 * because writers commit in seq order under the feed lock).
 */
export class EventFollower {
  private client: pg.Client | null = null;
  private stopped = false;
  private pumping: Promise<void> | null = null;
  private again = false;
  private readonly poll: NodeJS.Timeout;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: FollowerSource,
    private cursor: number,
    private readonly deliver: (events: StoredEvent[]) => Promise<void> | void,
  ) {
    this.poll = setInterval(() => this.wake(), POLL_MS);
    this.poll.unref();
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(clientConfig(this.source.target));
    // Our own commit: its events are already delivered, so the cursor moves past them without a read; another
    // writer's commit is read. The poll reads anyway, so nothing hangs on a notification that raced its marking.
    client.on('notification', (msg) => (msg.payload === this.source.writer ? this.advance() : this.wakeSoon()));
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`LISTEN "${this.source.channel}"`);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
      this.wake(); // catch up on whatever was committed while not listening
    } catch {
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }

  /**
   * Another writer committed: read a few milliseconds later, so one read takes the commits of that window together (a
   * busy writer commits hundreds of times a second; a read each cost the database as much as the commits).
   */
  private wakeSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.wake();
    }, FOREIGN_BATCH_MS);
    this.soon.unref();
  }

  /** Moves the cursor past this process's own events that follow it (nothing to read or deliver). */
  advance(): void {
    if (this.stopped || this.pumping) return;
    this.cursor = this.source.advanceLocal(this.cursor);
  }

  /** Reads and delivers everything past the cursor (coalesced: one reader at a time, re-run if woken meanwhile). */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.again) {
        this.again = false;
        this.wake();
      } else this.advance();
    });
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const events = await this.source.read(this.cursor, 500);
        if (!events.length) return;
        const foreign = events.filter((e) => !this.source.takeLocal(e.seq));
        this.cursor = (events.at(-1) as StoredEvent).seq;
        if (foreign.length) await this.deliver(foreign);
        if (events.length < 500) return;
      }
    } catch {
      // The database is away; the poll or the reconnect tries again.
    }
  }

  /** Stops listening and polling. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    if (this.soon) clearTimeout(this.soon);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.pumping;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
