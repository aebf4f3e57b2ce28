import type { TokenCreated, TokensAnswer } from '@licensor/protocol';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { TokenService } from '../../auth/token-service.js';
import { PostgresStore } from '../../store/postgres/postgres-store.js';
import { lockDataDir } from '../../store/sqlite/data-dir-lock.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { describeStoreError } from '../../store/store-errors.js';
import { CliError, EXIT } from '../cli-error.js';
import { nodeClientNamed } from '../../config/client-config.js';
import { call, withNode } from './node-api.js';

/** Who the audit log names for token changes made with the CLI, which writes to the store directly. */
const CLI_ACTOR = { tokenId: null, name: 'cli' };

type Where = { dataDir?: string; store?: string; url?: string; token?: string };

/** A token as the API and the store both describe it. */
type TokenView = { id: string; role: string; name: string; createdAt: number; revokedAt: number | null };

/**
 * True when the command should go through a running node's API: `--url` or `--token` given, or LICENSOR_URL /
 * LICENSOR_TOKEN set and no store named.
 */
const overApi = (o: Where) =>
  o.url !== undefined ||
  o.token !== undefined ||
  (o.dataDir === undefined && o.store === undefined && nodeClientNamed(o));

/**
 * Opens a node's store directly: PostgreSQL (shared by design), or an SQLite data dir that no node is running on — a
 * running node holds its data dir, and then the command must go through its API (`--url`, `--token`).
 */
async function openStore(o: Where) {
  if (o.store && !/^postgres(ql)?:\/\//.test(o.store))
    throw new CliError(`--store must be a postgres:// URL, got ${JSON.stringify(o.store)}`);
  if (o.store)
    return {
      ...(await migrated(() => new PostgresStore(o.store as string), (o.store as string).replace(/\/\/[^@/]*@/, '//'))),
      release: () => {},
    };
  const dir = resolve(o.dataDir ?? join('.licensor', 'node'));
  const file = join(dir, 'licensor.db');
  // A mistyped --data-dir must not quietly make a new, empty store whose tokens no node ever reads.
  if (!existsSync(file))
    throw new CliError(
      `no node store in ${dir} (no licensor.db there); give the --data-dir the node runs with, or start a node there first with licensor serve --data-dir ${dir}`,
    );
  const lock = lockDataDir(dir, 'licensor token');
  if (!lock.ok)
    throw new CliError(
      `${lock.message}; while it runs, manage tokens through its API: add --url URL --token ADMIN_TOKEN`,
      EXIT.ENVIRONMENT,
    );
  try {
    return { ...(await migrated(() => new SqliteStore(file), file)), release: () => lock.value.release() };
  } catch (err) {
    lock.value.release();
    throw err;
  }
}

/** Opens and migrates a store; one readable line when it cannot be used. */
async function migrated(open: () => PostgresStore | SqliteStore, where: string) {
  let store: PostgresStore | SqliteStore | null = null;
  try {
    store = open();
    await store.migrate();
    return { store, tokens: new TokenService(store) };
  } catch (err) {
    await store?.close().catch(() => {});
    throw new CliError(`cannot open the store ${where}: ${describeStoreError(err)}`, EXIT.ENVIRONMENT);
  }
}

/** Runs `fn` on the store opened directly, closing it and freeing the data dir afterwards. */
async function withStore<T>(o: Where, fn: (tokens: TokenService) => Promise<T>): Promise<T> {
  const { store, tokens, release } = await openStore(o);
  try {
    return await fn(tokens);
  } finally {
    await store.close();
    release();
  }
}

const storeOptions = (c: Command) =>
  withNode(c)
    .option('--data-dir <dir>', 'node data directory, when no node runs on it (default: ./.licensor/node)')
    .option('--store <url>', 'the postgres:// URL of nodes sharing PostgreSQL (instead of --data-dir)');

/** `licensor token create|list|revoke`: API tokens, through a running node's API or in a stopped node's store. */
export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description("Manage a node's API tokens: through a running node (--url, --token) or in a stopped node's data dir");
  storeOptions(
    token
      .command('create')
      .description('Create a token; its secret is printed once and stored only as a hash')
      .requiredOption(
        '--role <role>',
        'admin (everything), app (client work) or node (a child node syncing with this one)',
      )
      .option('--name <name>', 'a name to recognise it by', 'cli')
      .option('--json', 'print JSON'),
  ).action(async (o: Where & { role: string; name: string; json?: boolean }) => {
    if (o.role !== 'admin' && o.role !== 'app' && o.role !== 'node')
      throw new CliError(`--role must be admin, app or node, got ${JSON.stringify(o.role)}`);
    const role = o.role;
    const made: TokenView & { secret: string } = overApi(o)
      ? await call<TokenCreated>(o, 'POST', '/v1/tokens', { role, name: o.name })
      : await withStore(o, async (tokens) => {
          const { token: t, secret } = await tokens.create(role, o.name, Date.now(), CLI_ACTOR);
          return { ...t, secret };
        });
    process.stdout.write(
      o.json
        ? `${JSON.stringify({ id: made.id, role: made.role, name: made.name, secret: made.secret })}\n`
        : `${made.secret}\n`,
    );
    if (!o.json)
      process.stderr.write(
        `created ${made.role} token ${made.id} (${made.name}); the secret above is shown only once\n`,
      );
  });
  storeOptions(token.command('list').description('List tokens (never their secrets)')).action(async (o: Where) => {
    const list: TokenView[] = overApi(o)
      ? (await call<TokensAnswer>(o, 'GET', '/v1/tokens')).tokens
      : await withStore(o, (tokens) => tokens.list());
    for (const t of list)
      process.stdout.write(
        `${t.id}  ${t.role.padEnd(5)}  ${t.name}  created ${new Date(t.createdAt).toISOString()}${t.revokedAt ? '  REVOKED' : ''}\n`,
      );
  });
  storeOptions(token.command('revoke <id>').description('Revoke a token')).action(async (id: string, o: Where) => {
    if (overApi(o)) await call<unknown>(o, 'DELETE', `/v1/tokens/${encodeURIComponent(id)}`);
    else if (!(await withStore(o, (tokens) => tokens.revoke(id, Date.now(), CLI_ACTOR))))
      throw new CliError(`no live token ${id}`);
    process.stdout.write(`revoked ${id}\n`);
  });
}
