import { createHash } from 'node:crypto';
import { ok, type Outcome } from '@licensor/protocol';
import type { NodeConfig } from '../config/node-config.js';
import { storeLocation } from '../store/postgres/postgres-connection.js';
import { lockDataDir } from '../store/sqlite/data-dir-lock.js';
import { lockHardwareKey } from './hardware-key-lock.js';
import type { NodeHardwareKey } from './node-hardware-key.js';

/**
 * Names a PostgreSQL store by the server, database and schema pg connects to (not by credentials, nor by how the URL
 * spells them): the processes sharing it agree, and two URLs reaching different servers differ.
 */
function sharedStoreName(url: string): string {
  let where: string;
  try {
    where = storeLocation(url);
  } catch {
    where = url;
  }
  return `store ${createHash('sha256').update(where).digest('hex').slice(0, 32)}`;
}

/**
 * Takes what one node must hold alone: its SQLite data dir (one node per data dir), and the hardware key it reads from
 * this machine (a drive, the machine id) — another data dir, or another PostgreSQL store, would otherwise serve the same
 * license again; processes sharing one PostgreSQL store may run side by side. A key given by hand binds nothing to the
 * machine and takes no lock (`hw` is the key the node resolved, read once). Resolves with the function that frees them, or the refusal naming who holds them.
 */
export async function takeNodeLocks(
  config: NodeConfig,
  hw: Outcome<NodeHardwareKey>,
): Promise<Outcome<() => Promise<void>>> {
  const shared = config.store !== 'sqlite' ? sharedStoreName(config.store) : null;
  const dir = shared === null ? lockDataDir(config.dataDir) : ok({ release() {} });
  if (!dir.ok) return dir;
  const what = shared === null ? `licensor serve --data-dir ${config.dataDir}` : 'licensor serve --store postgres://…';
  const key = hw.ok && hw.value.trusted ? await lockHardwareKey(hw.value.key, what, shared) : null;
  const release = async () => {
    if (key?.ok) await key.value.release();
    dir.value.release();
  };
  if (key && !key.ok) {
    await release();
    return key;
  }
  return ok(release);
}
