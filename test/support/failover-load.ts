// Load for the failover tests: workers that take and give back slots of one pool over HTTP, moving to another process
// when theirs stops answering, with a client-side ledger of every acknowledged acquire and release to hold the
// database against once a process has been killed under them.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { JsonClient } from './http-client.js';

/** One acknowledged acquire or release: when it was sent, when its answer came, and through which process. */
export interface Ack {
  holder: string;
  kind: 'acquire' | 'release';
  url: string;
  sentAt: number;
  at: number;
}

/**
 * What one holder knows of itself: its last acknowledged operation, and whether an acquire or a release went unanswered
 * since (a connection cut or a 5xx: the process may or may not have done it).
 */
export interface HolderState {
  last: 'none' | 'acquire' | 'release';
  leaseId: string | null;
  unansweredAcquire: boolean;
  unansweredRelease: boolean;
}

/** What a load run saw. `wrong` lists answers that break the contract (an unknown status, a lost lease or release). */
export interface LoadResult {
  acks: Ack[];
  holders: Map<string, HolderState>;
  refusals: number;
  unanswered: number;
  wrong: string[];
  /** Most holders at once between an acknowledged acquire and the sending of their release. */
  maxHeld: number;
}

/** How a load run is shaped; every loop stops at `durationMs`, releases still owed get `releaseGraceMs` more. */
export interface LoadOptions {
  urls: string[];
  token: string;
  moduleId: number;
  workers: number;
  durationMs: number;
  releaseGraceMs?: number;
  requestTimeoutMs?: number;
  /**
   * When the owner was killed (0 before): an acquire in flight then may have been committed by the dead owner and
   * sent again by the forwarding process, so its answer may rightly say "reacquired".
   */
  killedAt?: () => number;
}

/** Runs `workers` holders `w0…` against the processes at `urls` until `durationMs` has passed; see LoadResult. */
export async function runFailoverLoad(opts: LoadOptions): Promise<LoadResult> {
  const { urls, token, moduleId, workers } = opts;
  const timeoutMs = opts.requestTimeoutMs ?? 2_000;
  const deadline = Date.now() + opts.durationMs;
  const releaseDeadline = deadline + (opts.releaseGraceMs ?? 3_000);
  const clients = urls.map((url) => new JsonClient(url, token, workers, timeoutMs));
  const result: LoadResult = { acks: [], holders: new Map(), refusals: 0, unanswered: 0, wrong: [], maxHeld: 0 };
  let held = 0;

  // One attempt through process `at`: the answer, or null when it went unanswered (the process may have acted on it).
  const attempt = async (at: number, method: string, path: string, body?: unknown) => {
    try {
      const r = await (clients[at] as JsonClient).request(method, path, body);
      if (r.status < 500) return r;
    } catch {}
    result.unanswered++;
    return null;
  };

  const worker = async (k: number) => {
    const holder = `w${k}`;
    const me: HolderState = { last: 'none', leaseId: null, unansweredAcquire: false, unansweredRelease: false };
    result.holders.set(holder, me);
    let at = k % urls.length;
    const moveOn = async () => {
      at = (at + 1) % urls.length;
      await sleep(10);
    };
    while (Date.now() < deadline) {
      const sentAt = Date.now();
      const r = await attempt(at, 'POST', `/v1/modules/${moduleId}/leases`, { holderId: holder });
      if (!r) {
        me.unansweredAcquire = true;
        await moveOn();
        continue;
      }
      if (r.status === 409 && r.body?.code === 'INSUFFICIENT_LICENSE') {
        result.refusals++;
        await sleep(1 + Math.random() * 4);
        continue;
      }
      if (r.status !== 200 && r.status !== 201) {
        result.wrong.push(`${holder} acquire through ${urls[at]}: ${r.status} ${JSON.stringify(r.body)}`);
        await moveOn();
        continue;
      }
      // Re-taking a slot we had released, with no acquire of ours unanswered since, means that release was lost.
      const killed = opts.killedAt?.() ?? 0;
      const inFlightAtKill = killed > 0 && sentAt <= killed;
      if (
        r.body.reacquired &&
        me.last !== 'acquire' &&
        !me.unansweredAcquire &&
        !me.unansweredRelease &&
        !inFlightAtKill
      )
        result.wrong.push(`${holder}: "reacquired" a slot it had released or never held`);
      result.acks.push({ holder, kind: 'acquire', url: urls[at] as string, sentAt, at: Date.now() });
      Object.assign(me, { last: 'acquire', leaseId: r.body.leaseId, unansweredAcquire: false });
      result.maxHeld = Math.max(result.maxHeld, ++held);
      await sleep(1 + Math.random() * 4);
      // Holders still holding when the load stops keep their slot: the final check wants some whose last word is an acquire.
      if (Date.now() >= deadline) break;
      held--;
      while (Date.now() < releaseDeadline) {
        const relSentAt = Date.now();
        const rel = await attempt(at, 'DELETE', `/v1/modules/${moduleId}/leases/${holder}`);
        if (!rel || rel.status !== 200) {
          me.unansweredRelease = true;
          if (rel) {
            result.wrong.push(`${holder} release through ${urls[at]}: ${rel.status} ${JSON.stringify(rel.body)}`);
            break;
          }
          await moveOn();
          continue;
        }
        // Nothing to release right after an acknowledged acquire, with no release of ours unanswered: a lost lease. A
        // release in flight at the kill may have been committed by the dead owner and sent again by its forwarder.
        const killedAt = opts.killedAt?.() ?? 0;
        const releaseInFlightAtKill = killedAt > 0 && relSentAt <= killedAt;
        if (!rel.body.released && !me.unansweredRelease && !releaseInFlightAtKill)
          result.wrong.push(`${holder}: release after an acknowledged acquire found nothing to release`);
        result.acks.push({ holder, kind: 'release', url: urls[at] as string, sentAt: relSentAt, at: Date.now() });
        Object.assign(me, { last: 'release', unansweredRelease: false });
        break;
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: workers }, (_, k) => worker(k)));
  } finally {
    for (const c of clients) c.close();
  }
  return result;
}

/**
 * Holds the ledger against the pool's rows (holder → lease id): a holder whose last acknowledged operation was an
 * acquire has that very lease, one whose last was a release (or who never got one) has none, except where an
 * unanswered operation since could explain the difference. Returns the holders that break this, explained.
 */
export function ledgerViolations(holders: Map<string, HolderState>, rows: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [holder, s] of holders) {
    const row = rows.get(holder);
    if (s.last === 'acquire') {
      if (row === undefined && !s.unansweredRelease) out.push(`${holder}: acquire acknowledged, no lease row`);
      if (row !== undefined && row !== s.leaseId && !s.unansweredAcquire)
        out.push(`${holder}: acknowledged lease ${s.leaseId}, row has ${row}`);
    } else if (row !== undefined && !s.unansweredAcquire) {
      out.push(`${holder}: ${s.last === 'release' ? 'release acknowledged' : 'never granted'}, row ${row} remains`);
    }
  }
  for (const holder of rows.keys()) if (!holders.has(holder)) out.push(`${holder}: a row no worker made`);
  return out;
}

/** Polls a module's lease count every `everyMs` until `stop()`, which resolves with the highest count and samples. */
export function watchLeaseCount(db: pg.Pool, moduleId: number, everyMs = 20) {
  let stopped = false;
  let max = 0;
  let samples = 0;
  let failure: unknown;
  const done = (async () => {
    while (!stopped) {
      const r = await db.query('SELECT COUNT(*) AS n FROM leases WHERE module_id = $1', [moduleId]);
      max = Math.max(max, Number(r.rows[0].n));
      samples++;
      await sleep(everyMs);
    }
  })().catch((err: unknown) => {
    failure = err;
  });
  return {
    /** Ends the polling; rejects if a poll failed. */
    stop: async (): Promise<{ max: number; samples: number }> => {
      stopped = true;
      await done;
      if (failure) throw failure;
      return { max, samples };
    },
  };
}

/** The pool's owner as `pool_owners` records it (its base URL and epoch), or null when no process has taken it yet. */
export async function poolOwner(db: pg.Pool, moduleId: number): Promise<{ url: string; epoch: bigint } | null> {
  const r = await db.query('SELECT owner_url, epoch FROM pool_owners WHERE module_id = $1', [moduleId]);
  const row = r.rows[0];
  return row ? { url: row.owner_url as string, epoch: BigInt(row.epoch) } : null;
}

/** A module's lease rows as holder → lease id. */
export async function leaseRows(db: pg.Pool, moduleId: number): Promise<Map<string, string>> {
  const r = await db.query('SELECT holder_id, lease_id FROM leases WHERE module_id = $1', [moduleId]);
  return new Map(r.rows.map((row) => [row.holder_id as string, row.lease_id as string]));
}
