import { rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail, ok, type Outcome } from '@licensor/protocol';

/** A held machine-wide lock on a hardware key; `release()` frees it. */
export interface HardwareKeyLock {
  release(): Promise<void>;
}

/**
 * Where the lock lives: on Linux an abstract socket (kernel-held, no file, gone with the process however it ends), on
 * Windows a named pipe, elsewhere a socket file in the temp dir.
 */
function lockAddress(key: string): { path: string; file: boolean } {
  const name = `licensor-hwkey-${key.slice(0, 32)}`;
  if (process.platform === 'linux') return { path: `\0${name}`, file: false };
  if (process.platform === 'win32') return { path: `\\\\.\\pipe\\${name}`, file: false };
  return { path: join(tmpdir(), `${name}.sock`), file: true };
}

/** Asks the holder who it is (it answers with its PID and what it runs); null when nobody answers. */
function askHolder(path: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    let text = '';
    const done = (v: string | null) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(2000, () => done(text || 'unknown'));
    socket.on('data', (d) => {
      text += d.toString('utf8');
    });
    socket.on('end', () => done(text || 'unknown'));
    socket.on('error', () => done(null));
  });
}

function listen(path: string, answer: string): Promise<net.Server | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const server = net.createServer((s) => s.end(answer));
    server.once('error', (err) => resolve(err as NodeJS.ErrnoException));
    server.listen(path, () => resolve(server));
  });
}

/**
 * Takes the node's hardware key for this process, machine-wide: one node per hardware key on a machine, so a second
 * process with another data dir or another PostgreSQL store cannot serve the same license again. `what` is told to a
 * process that asks. `sharedStore` names a store several processes share (PostgreSQL): a process of the same store
 * may run beside the holder, since they decide every pool together under the database's locks.
 */
export async function lockHardwareKey(
  key: string,
  what: string,
  sharedStore: string | null = null,
): Promise<Outcome<HardwareKeyLock>> {
  const { path, file } = lockAddress(key);
  const answer = `${process.pid} ${what}${sharedStore ? `\n${sharedStore}` : ''}`;
  let held = await listen(path, answer);
  if (!(held instanceof net.Server) && held.code === 'EADDRINUSE') {
    const holder = await askHolder(path);
    if (holder !== null) {
      const [first = '', store = null] = holder.split('\n');
      if (sharedStore !== null && store === sharedStore) return ok({ release: async () => {} });
      const [pid, ...rest] = first.split(' ');
      return fail(
        'CONFLICT',
        `hardware key ${key.slice(0, 12)}… is already served by another Licensor process on this machine (PID ${pid}${rest.length ? `: ${rest.join(' ')}` : ''}): one node per license`,
        {
          field: 'hardwareKey',
        },
      );
    }
    // A socket file left by a process that died: nobody answers on it, so it is taken over.
    if (file) {
      rmSync(path, { force: true });
      held = await listen(path, answer);
    }
  }
  if (!(held instanceof net.Server))
    return fail('VALIDATION_FAILED', `cannot take the hardware key lock: ${held.message}`, { field: 'hardwareKey' });
  const server = held;
  server.unref();
  return ok({
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
