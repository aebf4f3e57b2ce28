import { writeFileSync } from 'node:fs';
import { type Catalog, describePolicy } from '@licensor/core';
import {
  type Entitlement,
  KEY_SOURCES,
  type KeySource,
  type LicensePayload,
  type LicenseScope,
  parseHardwareKey,
  peekLicenseFile,
  type RentalPeriod,
  summarizeLicense,
  verifyLicenseFile,
} from '@licensor/protocol';
import { type Command, Option } from 'commander';
import { defaultIssuerDir } from '../../config/paths.js';
import { type IssueRequest, issueLicense, parseCliDate } from '../../issuer/issue-license.js';
import { loadIssuerKeys, readIssuerPublicKey } from '../../issuer/issuer-keys.js';
import { CliError } from '../cli-error.js';
import { collect, loadCatalogsOption, orExit, readInputFile, table } from './shared.js';

/** Exit code of a license that fails verification (bad signature, expired, not yet valid, other hardware, malformed). */
const REJECTED = 3;

interface IssueOptions {
  customer: string;
  customerId?: string;
  hardwareKey: string;
  scope: string;
  permanent?: boolean;
  until?: string;
  rental?: string;
  module: string[];
  developer?: string;
  catalog?: string[];
  issuerDir: string;
  issuer?: string;
  out?: string;
  notBefore?: string;
  keySource: string;
}

/** Parses `--module ID=QTY` / `--module ID` (no quantity: unlimited). */
export function parseModuleSpec(spec: string): Entitlement {
  const m = /^\s*(\d+)\s*(?:=\s*(\S+)\s*)?$/.exec(spec);
  if (!m)
    throw new CliError(`--module ${JSON.stringify(spec)} must be ID=QUANTITY (e.g. 4001=10) or ID alone for unlimited`);
  const moduleId = Number(m[1]);
  if (!Number.isSafeInteger(moduleId) || moduleId <= 0)
    throw new CliError(`--module ${JSON.stringify(spec)}: module ID must be a positive integer`);
  if (m[2] === undefined) return { moduleId, quantity: null };
  if (!/^\d+$/.test(m[2]) || Number(m[2]) <= 0 || !Number.isSafeInteger(Number(m[2]))) {
    throw new CliError(
      `--module ${JSON.stringify(spec)}: quantity must be a positive integer, got ${JSON.stringify(m[2])}`,
    );
  }
  return { moduleId, quantity: Number(m[2]) };
}

function termOf(opts: IssueOptions): IssueRequest['term'] {
  const chosen = [
    opts.permanent && '--permanent',
    opts.rental !== undefined && '--rental',
    opts.until !== undefined && !opts.rental && '--until',
  ].filter(Boolean);
  if (chosen.length === 0)
    throw new CliError(
      'choose a term: --permanent, --until DATE (temporary) or --rental day|week|month [--until DATE]',
    );
  if (opts.permanent && (opts.until !== undefined || opts.rental !== undefined))
    throw new CliError('--permanent cannot be combined with --until or --rental');
  if (opts.permanent) return { type: 'permanent' };
  const until = opts.until === undefined ? undefined : orExit(parseCliDate(opts.until, '--until'));
  if (opts.rental !== undefined) {
    if (!['day', 'week', 'month'].includes(opts.rental))
      throw new CliError(`--rental must be day, week or month, got ${JSON.stringify(opts.rental)}`);
    return until
      ? { type: 'rental', period: opts.rental as RentalPeriod, until }
      : { type: 'rental', period: opts.rental as RentalPeriod };
  }
  return { type: 'temporary', until: until! };
}

/** `licensor license issue|verify|inspect`. */
export function registerLicenseCommands(program: Command): void {
  const license = program.command('license').description('issue, verify and inspect signed license files');

  license
    .command('issue')
    .description('sign a license file for a hardware key')
    .requiredOption('--customer <name>', 'customer name')
    .option('--customer-id <id>', 'customer id (default: a new cus_… id)')
    .requiredOption('--hardware-key <key>', '64-hex hardware key of the node (from `licensor hwkey`)')
    .addOption(
      new Option(
        '--scope <scope>',
        'centralized (License Server: can be allocated to subdivisions) or static (Data Server)',
      )
        .choices(['centralized', 'static'])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--key-source <source>',
        'where the node must read this hardware key: usb (the licensed USB drive), machine-id, or any (a key given by hand: VMs without USB, tests)',
      )
        .choices([...KEY_SOURCES])
        .default('usb'),
    )
    .option('--permanent', 'permanent license (no end date)')
    .option(
      '--until <date>',
      'end date (YYYY-MM-DD = midnight UTC, or ISO time): a temporary license, or the end of a rental',
    )
    .option(
      '--rental <period>',
      'rental license renewed per period: day, week or month (ends after one period unless --until)',
    )
    .option('--module <id[=qty]>', 'entitlement, repeatable: 4001=10, or 2101 alone for unlimited', collect, [])
    .option(
      '--developer <id>',
      'developer license: every module of this developer runs on one test instance, marked non-production',
    )
    .option('--catalog <file>', 'catalog file (repeatable; default: the shipped catalogs)', collect)
    .option('--issuer-dir <dir>', 'issuer key directory (env LICENSOR_ISSUER_DIR)', defaultIssuerDir())
    .option('--issuer <name>', 'issuer name written into the license (default: the issuer key id)')
    .option('--not-before <date>', 'start of validity (default: now)')
    .option('--out <file>', 'write the license file here (default: stdout)')
    .action((opts: IssueOptions) => {
      const hw = parseHardwareKey(opts.hardwareKey, '--hardware-key');
      if (!hw.ok) throw new CliError(hw.message);
      const term = termOf(opts);
      const entitlements = opts.module.map(parseModuleSpec);
      if (entitlements.length === 0 && !opts.developer)
        throw new CliError('give at least one --module ID[=QUANTITY] (or --developer ID)');
      const { catalog, names } = loadCatalogsOption(opts.catalog);
      for (const e of entitlements) {
        if (!catalog.modules.has(e.moduleId))
          throw new CliError(`unknown module ${e.moduleId} (not in ${names.join(', ')})`);
      }
      const notBefore = opts.notBefore === undefined ? undefined : orExit(parseCliDate(opts.notBefore, '--not-before'));
      const keys = orExit(loadIssuerKeys(opts.issuerDir));
      const req: IssueRequest = {
        customerName: opts.customer,
        hardwareKey: hw.value,
        scope: opts.scope as LicenseScope,
        term,
        entitlements,
        issuer: opts.issuer ?? keys.kid,
        catalog: catalog.name,
        keySource: opts.keySource as KeySource,
      };
      if (opts.customerId !== undefined) req.customerId = opts.customerId;
      if (opts.developer !== undefined) req.developer = opts.developer;
      if (notBefore) req.notBefore = notBefore;
      const issued = orExit(issueLicense(req, catalog, keys));
      for (const w of issued.warnings) process.stderr.write(`licensor: warning: ${w}\n`);
      if (opts.out) {
        try {
          writeFileSync(opts.out, issued.file);
        } catch (err) {
          throw new CliError(`cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        process.stderr.write(`issued ${summarizeLicense(issued.payload)} → ${opts.out}\n`);
      } else {
        process.stdout.write(issued.file);
        process.stderr.write(`issued ${summarizeLicense(issued.payload)}\n`);
      }
    });

  license
    .command('verify')
    .description('verify a license file offline: signature, hardware key, validity window (exit 0 OK, 3 rejected)')
    .argument('<file>', 'license file')
    .option('--public-key <key>', 'issuer public key (ed25519:<base64url> or PEM)')
    .option(
      '--issuer-dir <dir>',
      'read the public key from this issuer directory (default when no --public-key: env LICENSOR_ISSUER_DIR or ~/.licensor/issuer)',
    )
    .option('--hardware-key <key>', 'the license must be bound to this hardware key')
    .option('--at <time>', 'check validity at this time instead of now (YYYY-MM-DD or ISO time)')
    .option('--clock-tolerance <seconds>', 'allowed clock skew at both ends of the validity window', '0')
    .action(
      (
        file: string,
        opts: { publicKey?: string; issuerDir?: string; hardwareKey?: string; at?: string; clockTolerance: string },
      ) => {
        if (opts.publicKey !== undefined && opts.issuerDir !== undefined)
          throw new CliError('give --public-key or --issuer-dir, not both');
        const publicKey = opts.publicKey ?? orExit(readIssuerPublicKey(opts.issuerDir ?? defaultIssuerDir()));
        if (opts.hardwareKey !== undefined) {
          const hw = parseHardwareKey(opts.hardwareKey, '--hardware-key');
          if (!hw.ok) throw new CliError(hw.message);
        }
        const at = opts.at === undefined ? new Date() : orExit(parseCliDate(opts.at, '--at'));
        const tolerance = Number(opts.clockTolerance);
        if (!/^\d+(\.\d+)?$/.test(opts.clockTolerance.trim()) || !Number.isFinite(tolerance)) {
          throw new CliError(
            `--clock-tolerance must be a non-negative number of seconds, got ${JSON.stringify(opts.clockTolerance)}`,
          );
        }
        const text = readInputFile(file, 'license file');
        const verifyOptions: Parameters<typeof verifyLicenseFile>[1] = {
          publicKey,
          at,
          clockToleranceMs: tolerance * 1000,
        };
        if (opts.hardwareKey !== undefined) verifyOptions.hardwareKey = opts.hardwareKey;
        const r = verifyLicenseFile(text, verifyOptions);
        if (r.ok) {
          process.stdout.write(`OK ${summarizeLicense(r.value)}\n`);
          return;
        }
        if (r.code === 'VALIDATION_FAILED' || r.code === 'HARDWARE_KEY_INVALID') throw new CliError(r.message);
        throw new CliError(`${r.code}: ${r.message}`, REJECTED);
      },
    );

  license
    .command('inspect')
    .description('print a license file for a person (does NOT verify the signature; use `license verify` for that)')
    .argument('<file>', 'license file')
    .option('--catalog <file>', 'catalog file for module names (repeatable; default: the shipped catalogs)', collect)
    .option('--json', 'print JSON')
    .action((file: string, opts: { catalog?: string[]; json?: boolean }) => {
      const text = readInputFile(file, 'license file');
      const peeked = peekLicenseFile(text);
      if (!peeked.ok)
        throw new CliError(`${peeked.code}: ${file} is not a readable license file: ${peeked.message}`, REJECTED);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ signatureChecked: false, license: peeked.value }, null, 2)}\n`);
        return;
      }
      let catalog: Catalog | undefined;
      try {
        catalog = loadCatalogsOption(opts.catalog).catalog;
      } catch (err) {
        if (opts.catalog) throw err;
      }
      process.stdout.write(`${describeLicense(peeked.value, catalog)}\n`);
    });
}

const KEY_SOURCE_WORDS: Record<string, string> = {
  usb: 'usb (the node reads its key from the licensed USB drive)',
  'machine-id': 'machine-id (the node reads its key from the machine identity)',
  any: 'any (the node may be given its key by hand: --hardware-key)',
};

function describeTerm(l: LicensePayload): string {
  switch (l.term.type) {
    case 'permanent':
      return 'permanent (no end date)';
    case 'temporary':
      return `temporary, until ${l.notAfter}`;
    case 'rental':
      return `rental per ${l.term.period}, paid until ${l.notAfter}; renewed when the billing account is topped up`;
  }
}

/** A license for a person: customer, scope, term, dates, entitlements with module names. */
export function describeLicense(l: LicensePayload, catalog?: Catalog): string {
  const lines = [
    `License ${l.id}  (inspect does not verify the signature: run \`licensor license verify\` before trusting it)`,
    table([
      ['customer:', `${l.customer.name} (${l.customer.id})`],
      ['issuer:', l.issuer],
      [
        'scope:',
        l.scope === 'centralized'
          ? 'centralized (License Server: can be allocated to subdivisions)'
          : 'static (Data Server: cannot be allocated)',
      ],
      ['term:', describeTerm(l)],
      ['issued:', l.issuedAt],
      ['valid from:', l.notBefore],
      ['valid until:', l.notAfter ?? 'never'],
      ['hardware key:', l.hardwareKey],
      ['key source:', KEY_SOURCE_WORDS[l.keySource] ?? l.keySource],
      ...(l.catalog ? [['catalog:', l.catalog]] : []),
      ...(l.developer
        ? [
            [
              'developer:',
              `${l.developer.id}: DEVELOPER LICENSE, every module of this developer runs on one test instance; non-production`,
            ],
          ]
        : []),
    ]),
    'entitlements:',
  ];
  if (l.entitlements.length === 0) lines.push('  (none)');
  else {
    const rows = l.entitlements.map((e) => {
      const signed = l.modules.find((m) => m.id === e.moduleId);
      const name = catalog?.modules.get(e.moduleId)?.name ?? signed?.name ?? '(not in catalog)';
      const policy = signed
        ? describePolicy(signed.policy as Parameters<typeof describePolicy>[0])
        : '(no signed terms)';
      return ['  ' + String(e.moduleId), name, e.quantity === null ? 'unlimited' : String(e.quantity), policy];
    });
    lines.push(table(rows));
  }
  return lines.join('\n');
}
