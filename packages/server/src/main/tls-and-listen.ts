import { readFileSync } from 'node:fs';
import { fail, ok, type Outcome } from '@licensor/protocol';
import { type NodeConfig, optionEnv } from '../config/node-config.js';

/** The TLS certificate and key files, read; a file that cannot be read is one readable line. */
export function readTlsFiles(
  config: Pick<NodeConfig, 'tlsCert' | 'tlsKey'>,
): Outcome<{ cert: Buffer; key: Buffer } | null> {
  if (!config.tlsCert || !config.tlsKey) return ok(null);
  const read = (path: string, flag: string): Buffer | string => {
    try {
      return readFileSync(path);
    } catch (err) {
      return `cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
  };
  const cert = read(config.tlsCert, '--tls-cert');
  if (typeof cert === 'string') return fail('VALIDATION_FAILED', cert, { field: 'tlsCert' });
  const key = read(config.tlsKey, '--tls-key');
  if (typeof key === 'string') return fail('VALIDATION_FAILED', key, { field: 'tlsKey' });
  return ok({ cert, key });
}

/** Why the node could not listen, naming the option and environment variable that fix it. */
export function listenFailure(err: NodeJS.ErrnoException, host: string, port: number): string {
  if (err.code === 'EADDRINUSE')
    return `port ${port} on ${host} is already in use by another process; stop it or pick another port with --port or ${optionEnv('port')}`;
  if (err.code === 'EACCES')
    return `no permission to listen on port ${port} (ports below 1024 need privileges); pick another with --port or ${optionEnv('port')}`;
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
    return `cannot listen on ${host}: no such address on this machine; pick another with --host or ${optionEnv('host')}`;
  return `cannot listen on ${host}:${port}: ${err.code ?? ''} ${err.message}`.trim();
}

/** The base URL of a server listening on `host` (an IPv6 address in brackets). */
export function listeningUrl(secure: boolean, host: string, port: number): string {
  return `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
