import { type Command, Option } from 'commander';
import type { Outcome } from '@licensor/protocol';
import { loadNodeConfig, type NodeConfig, type NodeConfigFlags } from '../../config/node-config.js';
import { serveOptionFlags, serveOptionHelp, serveOptionKeys } from '../../config/node-options-doc.js';
import { CliError, EXIT } from '../cli-error.js';

/** Start-up failures that are the license file's refusal (exit 3), not the environment's (exit 2). */
const LICENSE_REFUSALS = new Set([
  'SIGNATURE_INVALID',
  'HARDWARE_KEY_MISMATCH',
  'LICENSE_EXPIRED',
  'LICENSE_NOT_YET_VALID',
  'MALFORMED',
  'KEY_SOURCE_MISMATCH',
]);

/** A started node, as `serve` reports it. */
export interface ServedNode {
  url: string;
  hardwareKeyDetail: string;
  upstream: unknown;
  node: {
    store: { kind: string };
    licensing: {
      licenseState(): { state: string; detail: string };
      nonProduction: boolean;
      options: { hardwareKey: { key: string } };
    };
  };
  close(): Promise<void>;
}

/** Starts a node from its config (the composition root's startNode, handed in by the process entry). */
export type StartNode = (config: NodeConfig) => Promise<Outcome<ServedNode>>;

/** `licensor serve`: runs a node until SIGTERM/SIGINT, then stops gracefully. */
export function registerServeCommand(program: Command, startNode: StartNode): void {
  const serve = program
    .command('serve')
    .description('Run a Licensor node: HTTP API, SDK sessions, embedded SQLite store');
  // Generated from the option table, so the flags, their variables, defaults and ranges are said in one place.
  const options = serveOptionKeys().map((key) => ({
    key,
    option: new Option(serveOptionFlags(key), serveOptionHelp(key)),
  }));
  for (const { option } of options) serve.addOption(option);
  serve.action(async (opts: Record<string, unknown>) => {
    const flags: NodeConfigFlags = {};
    for (const { key, option } of options) {
      const given = opts[option.attributeName()];
      if (typeof given === 'string') flags[key] = given;
      else if (Array.isArray(given)) flags[key] = given.filter((word): word is string => typeof word === 'string');
    }
    const config = loadNodeConfig(flags);
    if (!config.ok) throw new CliError(config.message, EXIT.BAD_INPUT);
    const started = await startNode(config.value);
    if (!started.ok)
      throw new CliError(started.message, LICENSE_REFUSALS.has(started.code) ? EXIT.REFUSED : EXIT.ENVIRONMENT);
    const running = started.value;
    const lic = running.node.licensing.licenseState();
    process.stdout.write(
      `licensor node listening on ${running.url}\n  dashboard: ${running.url}/\n  store: ${running.node.store.kind} (${running.node.store.kind === 'sqlite' ? config.value.dataDir : config.value.store.replace(/\/\/[^@/]*@/, '//')})\n  hardware key: ${running.node.licensing.options.hardwareKey.key} (${running.hardwareKeyDetail})\n  license: ${lic.state} — ${lic.detail}${running.upstream ? `\n  upstream: ${config.value.upstreamUrl} (syncing as ${JSON.stringify(config.value.nodeName)})` : ''}${running.node.licensing.nonProduction ? '\n  NON-PRODUCTION: developer license' : ''}\n  API docs: ${running.url}/docs\n`,
    );
    await new Promise<void>((resolveStop) => {
      const stop = (signal: string) => {
        process.stdout.write(`received ${signal}, stopping: finishing queued commits\n`);
        running.close().then(resolveStop, resolveStop);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  });
}
