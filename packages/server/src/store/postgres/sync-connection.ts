import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { PostgresTarget } from './postgres-connection.js';

const require = createRequire(import.meta.url);

// Plain JavaScript run in the worker (eval), so it loads the same way from sources and from the build.
const WORKER = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const types = { getTypeParser: (oid, format) => (oid === 20 ? (v) => Number(v) : pg.types.getTypeParser(oid, format)) };
const { port, flag, config } = workerData;
let client = null;
async function connected() {
  if (client) return client;
  const c = new pg.Client({ ...config, types });
  c.on('error', () => { if (client === c) client = null; });
  await c.connect();
  client = c;
  return c;
}
port.on('message', async (m) => {
  let reply;
  if (m.reset) {
    if (client) client.end().catch(() => {});
    client = null;
    reply = { rows: [], rowCount: 0 };
  } else {
    try {
      const c = await connected();
      const r = await c.query(m.sql, m.params);
      reply = { rows: r.rows, rowCount: r.rowCount };
    } catch (err) {
      // A lost connection is replaced on the next query; a statement error keeps it (the caller rolls back).
      if (client && (err.code === undefined || /^(08|57)/.test(err.code))) { client.end().catch(() => {}); client = null; }
      reply = { error: { message: err.message, code: err.code } };
    }
  }
  port.postMessage({ id: m.id, ...reply });
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

interface Reply {
  id: number;
  rows?: Record<string, unknown>[];
  rowCount?: number;
  error?: { message: string; code?: string };
}

/** An error from the synchronous connection, carrying PostgreSQL's SQLSTATE (or the socket's code). */
export class SyncQueryError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * A PostgreSQL connection with a synchronous query(): a worker thread runs the query and the caller blocks on a
 * shared flag until the answer is back. It exists for the billing store, whose transactions are synchronous by contract
 * (money and licenses move in one transaction that never yields). Billing is rare; each statement blocks this process
 * for one round trip, at most `timeoutMs`.
 */
export class SyncConnection {
  private readonly worker: Worker;
  private readonly port: MessageChannel['port1'];
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 0;
  /** Set after a timeout: the worker's connection may sit in a half-done transaction and is replaced first. */
  private broken = false;

  constructor(
    config: { connectionString: string; options: string; connectionTimeoutMillis: number; application_name: string },
    private readonly timeoutMs = 5000,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { pgPath: require.resolve('pg'), port: port2, flag: this.flag, config },
      transferList: [port2],
    });
    this.worker.unref();
  }

  /** Runs one statement and returns its rows; throws SyncQueryError on failure or timeout. */
  query(sql: string, params: unknown[] = []): { rows: Record<string, unknown>[]; rowCount: number } {
    if (this.broken) {
      this.broken = false;
      this.roundTrip({ reset: true });
    }
    const reply = this.roundTrip({ sql, params });
    if (reply.error) throw new SyncQueryError(reply.error.message, reply.error.code);
    return { rows: reply.rows ?? [], rowCount: reply.rowCount ?? 0 };
  }

  private roundTrip(message: Record<string, unknown>): Reply {
    const id = ++this.nextId;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ id, ...message });
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m && (m.message as Reply).id === id) return m.message as Reply;
      if (m) continue; // a late answer to a query that timed out
      const left = deadline - Date.now();
      if (left <= 0) {
        this.broken = true;
        throw new SyncQueryError(
          `the store is unavailable: no answer from PostgreSQL in ${this.timeoutMs} ms`,
          'ETIMEDOUT',
        );
      }
      Atomics.wait(this.flag, 0, 0, left);
      Atomics.store(this.flag, 0, 0);
    }
  }

  /** Ends the worker (and its connection). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The worker's connection settings for a target (same schema and fail-fast timeout as the pool). */
export function syncConfig(target: PostgresTarget) {
  return {
    connectionString: target.connectionString,
    options: `-c search_path=${target.schema}`,
    connectionTimeoutMillis: 2000,
    application_name: 'licensor-billing',
  };
}
