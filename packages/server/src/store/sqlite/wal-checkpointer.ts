import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { type Logger, silentLogger } from '../../log/logger.js';

/** How often the WAL is checkpointed into the database file. */
export const CHECKPOINT_INTERVAL_MS = 1000;

// The worker is plain CommonJS run with `eval`, so it needs no build step of its own and loads the same driver.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = ' + workerData.synchronous);
parentPort.on('message', (m) => {
  if (m === 'stop') { db.close(); parentPort.close(); return; }
  try { parentPort.postMessage({ ok: true, result: db.pragma('wal_checkpoint(PASSIVE)')[0] }); }
  catch (err) { parentPort.postMessage({ ok: false, error: String(err) }); }
});`;

/**
 * Checkpoints the WAL of a SQLite file without stalling the event loop.
 *
 * Why two steps: a checkpoint fsyncs the WAL and the database file, which takes tens of milliseconds, and every
 * acquire waiting behind it would pay that in latency. So a worker thread, on its own connection, copies the bulk
 * (PASSIVE: it never blocks the writer). Commits go on meanwhile, so the WAL is never fully copied when the worker
 * finishes, and SQLite only rewinds a WAL that is. The main thread then checkpoints the few frames written since,
 * between two of its own transactions; that small copy lets the next commit start the WAL from the beginning again,
 * so the file stays the size of about one interval of writes.
 */
export class WalCheckpointer {
  private worker: Worker | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  /** Set once the worker failed: passes then run on the main thread. */
  private fallback = false;
  /** Completed passes (for tests and diagnostics). */
  passes = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly synchronous: 'NORMAL' | 'FULL',
    private readonly log: Logger = silentLogger,
    intervalMs = CHECKPOINT_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => this.start(), intervalMs);
    this.timer.unref();
  }

  /** The worker starts on the first pass, so short-lived stores (CLI commands, tests) never pay for a thread. */
  private spawn(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, path: this.path, synchronous: this.synchronous },
      execArgv: [],
    });
    worker.unref();
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: { ok: boolean; error?: string }) => this.finish(m));
    worker.on('error', (err) => this.lose(`WAL checkpoint worker failed: ${err.message}`));
    worker.once('exit', (code) => {
      if (!this.stopped) this.lose(`WAL checkpoint worker exited (code ${code})`);
    });
    return worker;
  }

  /** The worker is gone: checkpoint on the main thread from now on (a stall each pass beats a WAL without end). */
  private lose(message: string): void {
    if (this.fallback) return;
    this.fallback = true;
    this.worker = null;
    this.running = false;
    this.log.warn(`${message}; checkpointing on the main thread from now on`);
  }

  private start(): void {
    if (this.running || this.stopped || !this.db.open) return;
    if (!this.fallback && !this.worker) {
      try {
        this.worker = this.spawn();
      } catch (err) {
        this.lose(`cannot start the WAL checkpoint worker: ${(err as Error).message}`);
      }
    }
    if (this.fallback || !this.worker) {
      this.checkpointHere();
      return;
    }
    this.running = true;
    this.worker.postMessage('run');
  }

  private finish(m: { ok: boolean; error?: string }): void {
    this.running = false;
    if (this.stopped || !this.db.open) return;
    if (!m.ok) this.log.warn(`WAL checkpoint failed: ${m.error}`);
    // The catch-up: only what was committed while the worker copied, so it is short.
    this.checkpointHere();
  }

  private checkpointHere(): void {
    // An asynchronous transaction (billing) holds the connection: a checkpoint now would run inside it; the next pass
    // catches up.
    if (this.db.inTransaction) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
      this.passes++;
    } catch (err) {
      this.log.warn(`WAL checkpoint failed: ${(err as Error).message}`);
    }
  }

  /** Stops the timer and the worker (before the main connection closes). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    // Referenced again so the process waits for the worker's exit instead of ending with close() unresolved.
    this.worker?.ref();
    this.worker?.postMessage('stop');
    await this.exited;
  }
}
