import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Holds a machine-wide lock (a directory named `name` in the temp dir) until the returned function is called, so test
 * files that need one shared thing (the PostgreSQL server, this machine's hardware key) take turns: node:test runs
 * files side by side. A lock whose holder process is gone (a killed run) is taken over.
 */
export async function takeTestLock(name: string, timeoutMs = 600_000): Promise<() => void> {
  const dir = join(tmpdir(), name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch {
      if (holderGone(dir)) rmSync(dir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`test lock ${dir} still held after ${timeoutMs} ms`);
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** True when the lock's holder process no longer runs (or left no pid behind for over a minute). */
function holderGone(dir: string): boolean {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return false;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      try {
        return Date.now() - statSync(dir).mtimeMs > 60_000;
      } catch {
        return false;
      }
    }
    return true;
  }
}

/** Takes this machine's hardware-key turn: the tests that serve the machine id's key run one at a time. */
export function lockMachineKeyTests(): Promise<() => void> {
  return takeTestLock('licensor-test-machine-key.lock');
}
