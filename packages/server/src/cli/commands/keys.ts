import type { Command } from 'commander';
import { defaultIssuerDir } from '../../config/paths.js';
import { initIssuerKeys, readIssuerPublicKey } from '../../issuer/issuer-keys.js';
import { makeDirectory } from '../../store/make-directory.js';
import { CliError, EXIT } from '../cli-error.js';
import { orExit } from './shared.js';

/** `licensor keys init|public`: the vendor's Ed25519 issuer key pair. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description("the vendor's Ed25519 issuer keys that sign license files");
  keys
    .command('init')
    .description('create issuer.key (private, mode 0600, never printed) and issuer.pub')
    .option('--dir <dir>', 'issuer directory (env LICENSOR_ISSUER_DIR)', defaultIssuerDir())
    .option(
      '--force',
      'replace existing keys (licenses signed with the old key stop verifying against the new public key)',
    )
    .action((opts: { dir: string; force?: boolean }) => {
      try {
        makeDirectory(opts.dir, 0o700);
      } catch (err) {
        throw new CliError(
          `cannot create ${opts.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          EXIT.ENVIRONMENT,
        );
      }
      let r: ReturnType<typeof initIssuerKeys>;
      try {
        r = initIssuerKeys(opts.dir, { force: opts.force === true });
      } catch (err) {
        throw new CliError(
          `cannot write the keys in ${opts.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          EXIT.ENVIRONMENT,
        );
      }
      if (!r.ok) throw new CliError(r.message);
      const written = r.value;
      process.stdout.write(
        `wrote ${written.keyPath} (private key, mode 0600: keep it secret and back it up)\n` +
          `wrote ${written.pubPath}\n` +
          `public key: ${written.publicKeyText}\n`,
      );
    });
  keys
    .command('public')
    .description('print the public key (give it to applications and nodes that verify license files)')
    .option('--dir <dir>', 'issuer directory (env LICENSOR_ISSUER_DIR)', defaultIssuerDir())
    .action((opts: { dir: string }) => {
      process.stdout.write(`${orExit(readIssuerPublicKey(opts.dir))}\n`);
    });
}
