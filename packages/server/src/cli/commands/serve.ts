import type { Command } from 'commander';
import { ENV_NAMES, loadNodeConfig } from '../../config/node-config.js';
import { startNode } from '../../node/start-node.js';
import { CliError, EXIT } from '../cli-error.js';

/** Start-up failures that are the license file's refusal (exit 3), not the environment's (exit 2). */
const LICENSE_REFUSALS = new Set(['SIGNATURE_INVALID', 'HARDWARE_KEY_MISMATCH', 'LICENSE_EXPIRED', 'LICENSE_NOT_YET_VALID', 'MALFORMED', 'KEY_SOURCE_MISMATCH']);

/** `licensor serve`: runs a node until SIGTERM/SIGINT, then stops gracefully. */
export function registerServeCommand(program: Command): void {
  const e = ENV_NAMES;
  program
    .command('serve')
    .description('Run a Licensor node: HTTP API, SDK sessions, embedded SQLite store')
    .option('--data-dir <dir>', `data directory (store, state) [env ${e.dataDir}] (default: ./.licensor/node)`)
    .option('--host <host>', `interface to listen on [env ${e.host}] (default: 127.0.0.1)`)
    .option('--port <port>', `TCP port, 0 = any free port [env ${e.port}] (default: 7070)`)
    .option('--store <store>', `"sqlite" (file in the data dir) or a postgres:// URL [env ${e.store}] (default: sqlite)`)
    .option('--sqlite-synchronous <mode>', `normal (survives a process crash) or full (also power loss) [env ${e.sqliteSynchronous}] (default: normal)`)
    .option('--catalog <file...>', `module catalog files [env ${e.catalogs}, comma-separated] (default: catalogs/openservice.json, catalogs/syrve-plugins.json)`)
    .option('--license <file>', `license file to install at start [env ${e.licenseFile}]`)
    .option('--issuer-public-key <key>', `vendor's Ed25519 public key, ed25519:<base64url> [env ${e.issuerPublicKey}]`)
    .option('--issuer-dir <dir>', `read the issuer public key from <dir>/issuer.pub [env ${e.issuerDir}]`)
    .option('--hardware-key-source <source>', `usb, machine-id or explicit [env ${e.hardwareKeySource}] (default: usb)`)
    .option('--hardware-key <hex>', `use this 64-hex hardware key: only for a license issued with --key-source any, or a developer license [env ${e.hardwareKey}]`)
    .option('--usb-device <name>', `USB drive to take the key from: sdb or its serial [env ${e.usbDevice}]`)
    .option('--sysfs-root <dir>', `read sysfs under this root; a key read there counts as given by hand [env ${e.sysfsRoot}] (default: /)`)
    .option('--application <moduleId>', `the server application this node runs, e.g. 1001 License Server or 1002 Data Server [env ${e.application}] (default: any its license grants)`)
    .option('--hardware-key-check-interval-ms <ms>', `how often the USB drive is looked for, at most 60000 [env ${e.hardwareKeyCheckIntervalMs}] (default: 60000)`)
    .option('--hardware-key-grace-ms <ms>', `how long the node serves once the USB drive is gone, at most 600000 [env ${e.hardwareKeyGraceMs}] (default: 600000)`)
    .option('--session-grace-ms <ms>', `how long a dropped SDK session's leases wait for the device to return [env ${e.sessionGraceMs}] (default: 15000)`)
    .option('--reap-interval-ms <ms>', `how often expired leases are freed [env ${e.reapIntervalMs}] (default: 1000)`)
    .option('--clock-rollback-tolerance-ms <ms>', `how far the clock may fall behind the latest time seen before it counts as rolled back [env ${e.clockRollbackToleranceMs}] (default: 300000)`)
    .option('--log-level <level>', `fatal, error, warn, info, debug, trace or silent [env ${e.logLevel}] (default: info)`)
    .option('--body-limit-bytes <n>', `largest accepted request body [env ${e.bodyLimitBytes}] (default: 262144)`)
    .option('--rate-limit-per-second <n>', `requests per second per API token (per IP without a valid token), 0 = off [env ${e.rateLimitPerSecond}] (default: 10000)`)
    .option('--rate-limit-burst <n>', `requests a token may make at once [env ${e.rateLimitBurst}] (default: twice the rate)`)
    .option('--headers-timeout-ms <ms>', `request line and headers must arrive within this time [env ${e.headersTimeoutMs}] (default: 10000)`)
    .option('--request-timeout-ms <ms>', `the whole request, body included, must arrive within this time [env ${e.requestTimeoutMs}] (default: 30000)`)
    .option('--keep-alive-timeout-ms <ms>', `idle keep-alive connections close after this time [env ${e.keepAliveTimeoutMs}] (default: 5000)`)
    .option('--max-connections <n>', `open connections in all, 0 = no cap [env ${e.maxConnections}] (default: 10000)`)
    .option('--max-connections-per-ip <n>', `open connections per client IP, 0 = no cap [env ${e.maxConnectionsPerIp}] (default: 1000)`)
    .option('--max-sessions-per-ip <n>', `open SDK sessions per client IP, 0 = no cap [env ${e.maxSessionsPerIp}] (default: 1000)`)
    .option('--max-sessions-per-token <n>', `open SDK sessions per API token, 0 = no cap [env ${e.maxSessionsPerToken}] (default: 5000)`)
    .option('--max-children-per-token <n>', `child nodes one node token may register [env ${e.maxChildrenPerToken}] (default: 10)`)
    .option('--tls-cert <file>', `serve HTTPS with this certificate (PEM) [env ${e.tlsCert}]`)
    .option('--tls-key <file>', `private key of --tls-cert (PEM) [env ${e.tlsKey}]`)
    .option('--bootstrap-admin-token <secret>', `create an admin token with this secret if it does not exist [env ${e.bootstrapAdminToken}]`)
    .option('--usage-sample-interval-ms <ms>', `how often pool use is sampled for the dashboard's charts [env ${e.usageSampleIntervalMs}] (default: 60000)`)
    .option('--usage-retention-days <days>', `how long usage samples are kept [env ${e.usageRetentionDays}] (default: 30)`)
    .option('--events-retention-days <days>', `how long the events feed is kept, 0 = forever [env ${e.eventsRetentionDays}] (default: 30)`)
    .option('--dashboard-dir <dir>', `built dashboard served at / [env ${e.dashboardDir}] (default: packages/web/dist)`)
    .option('--webhook-max-attempts <n>', `attempts per webhook delivery before giving up [env ${e.webhookMaxAttempts}] (default: 8)`)
    .option('--webhook-retry-base-ms <ms>', `wait before the second attempt, doubling with jitter after [env ${e.webhookRetryBaseMs}] (default: 30000)`)
    .option('--webhook-timeout-ms <ms>', `how long one webhook request may take [env ${e.webhookTimeoutMs}] (default: 10000)`)
    .option('--rental-expiring-days <days>', `send license.expiring this many days before an unfunded rental period ends [env ${e.rentalExpiringDays}] (default: 3)`)
    .option('--upstream <url>', `parent node URL: this node is a child in an enterprise tree and syncs with it [env ${e.upstreamUrl}]`)
    .option('--upstream-token <secret>', `a node token created on the parent (licensor token create --role node) [env ${e.upstreamToken}]`)
    .option('--upstream-public-key <key>', `the parent's node key to trust, ed25519:<base64url> (default: pin the first one seen) [env ${e.upstreamPublicKey}]`)
    .option('--node-name <name>', `name shown to the parent [env ${e.nodeName}] (default: host name)`)
    .option('--counted-as <moduleId>', `accepted for compatibility, without effect: the parent counts every child in the child-node module it holds [env ${e.countedAs}]`)
    .option('--sync-interval-ms <ms>', `how often this node's children sync [env ${e.syncIntervalMs}] (default: 60000)`)
    .option('--allocation-window-ms <ms>', `how long children serve on an allocation without a sync [env ${e.allocationWindowMs}] (default: 259200000, 72 h)`)
    .action(async (opts: Record<string, string | string[] | undefined>) => {
      const config = loadNodeConfig({ ...opts, upstreamUrl: opts.upstream as string | undefined, licenseFile: opts.license as string | undefined, catalogs: opts.catalog });
      if (!config.ok) throw new CliError(config.message, EXIT.BAD_INPUT);
      const started = await startNode(config.value);
      if (!started.ok) throw new CliError(started.message, LICENSE_REFUSALS.has(started.code) ? EXIT.REFUSED : EXIT.ENVIRONMENT);
      const running = started.value;
      const lic = running.node.licenseState();
      process.stdout.write(
        `licensor node listening on ${running.url}\n  dashboard: ${running.url}/\n  store: ${running.node.store.kind} (${running.node.store.kind === 'sqlite' ? config.value.dataDir : config.value.store.replace(/\/\/[^@/]*@/, '//')})\n  hardware key: ${running.node.options.hardwareKey.key} (${running.hardwareKeyDetail})\n  license: ${lic.state} — ${lic.detail}${running.upstream ? `\n  upstream: ${config.value.upstreamUrl} (syncing as ${JSON.stringify(config.value.nodeName)})` : ''}${running.node.nonProduction ? '\n  NON-PRODUCTION: developer license' : ''}\n  API docs: ${running.url}/docs\n`,
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
