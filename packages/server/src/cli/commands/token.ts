import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { TokenService } from '../../auth/token-service.js';
import { PostgresStore } from '../../store/postgres/postgres-store.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { CliError, EXIT } from '../cli-error.js';
import { describeStoreError } from '../../store/store-errors.js';

/** Who the audit log names for token changes made with the CLI, which writes to the store directly. */
const CLI_ACTOR = { tokenId: null, name: 'cli' };

/** `licensor token create|list|revoke`: API tokens, written straight into a node's data directory. */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description("Manage a node's API tokens (works while the node runs)");
  const open = async (dataDir: string | undefined, storeUrl: string | undefined) => {
    if (storeUrl && !/^postgres(ql)?:\/\//.test(storeUrl)) throw new CliError(`--store must be a postgres:// URL, got ${JSON.stringify(storeUrl)}`);
    const dir = resolve(dataDir ?? join('.licensor', 'node'));
    const file = join(dir, 'licensor.db');
    // A mistyped --data-dir must not quietly make a new, empty store whose tokens no node ever reads.
    if (!storeUrl && !existsSync(file)) throw new CliError(`no node store in ${dir} (no licensor.db there); give the --data-dir the node runs with, or start a node there first with licensor serve --data-dir ${dir}`);
    let store: PostgresStore | SqliteStore | null = null;
    try {
      store = storeUrl ? new PostgresStore(storeUrl) : new SqliteStore(file);
      await store.migrate();
    } catch (err) {
      await store?.close().catch(() => {});
      throw new CliError(`cannot open the store ${storeUrl ? storeUrl.replace(/\/\/[^@/]*@/, '//') : file}: ${describeStoreError(err)}`, EXIT.ENVIRONMENT);
    }
    return { store, tokens: new TokenService(store) };
  };
  token
    .command('create')
    .description('Create a token; its secret is printed once and stored only as a hash')
    .requiredOption('--role <role>', 'admin (everything), app (client work) or node (a child node syncing with this one)')
    .option('--name <name>', 'a name to recognise it by', 'cli')
    .option('--data-dir <dir>', 'node data directory (default: ./.licensor/node)')
    .option('--store <url>', 'the postgres:// URL of nodes sharing PostgreSQL (instead of --data-dir)')
    .option('--json', 'print JSON')
    .action(async (o: { role: string; name: string; dataDir?: string; store?: string; json?: boolean }) => {
      if (o.role !== 'admin' && o.role !== 'app' && o.role !== 'node') throw new CliError(`--role must be admin, app or node, got ${JSON.stringify(o.role)}`);
      const { store, tokens } = await open(o.dataDir, o.store);
      try {
        const { token: t, secret } = await tokens.create(o.role, o.name, Date.now(), CLI_ACTOR);
        process.stdout.write(o.json ? `${JSON.stringify({ id: t.id, role: t.role, name: t.name, secret })}\n` : `${secret}\n`);
        if (!o.json) process.stderr.write(`created ${t.role} token ${t.id} (${t.name}); the secret above is shown only once\n`);
      } finally {
        await store.close();
      }
    });
  token
    .command('list')
    .description('List tokens (never their secrets)')
    .option('--data-dir <dir>', 'node data directory')
    .option('--store <url>', 'the postgres:// URL of nodes sharing PostgreSQL')
    .action(async (o: { dataDir?: string; store?: string }) => {
      const { store, tokens } = await open(o.dataDir, o.store);
      try {
        for (const t of await tokens.list()) process.stdout.write(`${t.id}  ${t.role.padEnd(5)}  ${t.name}  created ${new Date(t.createdAt).toISOString()}${t.revokedAt ? '  REVOKED' : ''}\n`);
      } finally {
        await store.close();
      }
    });
  token
    .command('revoke <id>')
    .description('Revoke a token')
    .option('--data-dir <dir>', 'node data directory')
    .option('--store <url>', 'the postgres:// URL of nodes sharing PostgreSQL')
    .action(async (id: string, o: { dataDir?: string; store?: string }) => {
      const { store, tokens } = await open(o.dataDir, o.store);
      try {
        if (!(await tokens.revoke(id, Date.now(), CLI_ACTOR))) throw new CliError(`no live token ${id}`);
        process.stdout.write(`revoked ${id}\n`);
      } finally {
        await store.close();
      }
    });
}
