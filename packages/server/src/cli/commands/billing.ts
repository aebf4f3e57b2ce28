import type {
  AccountView,
  ExtendedLicenseAnswer,
  LedgerAnswer,
  PlansAnswer,
  RentalPlanView,
  RentalView,
  TopUpAnswer,
} from '@licensor/protocol';
import { writeFileSync } from 'node:fs';
import { formatMoney, parseMoney } from '@licensor/core';
import { type Command, Option } from 'commander';
import { parseCliDate } from '../../issuer/issue-license.js';
import { CliError } from '../cli-error.js';
import { parseModuleSpec } from './license.js';
import { call, callText, withNode } from './node-api.js';
import { collect, orExit, table } from './shared.js';

type Flags = { url?: string; token?: string; json?: boolean };

const print = (o: Flags, value: unknown, text: string) =>
  process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
const money = (amount: number, currency: string) => formatMoney({ amount, currency });

/** `licensor billing account create|topup|balance|ledger`, `licensor rental plan create|list`, `rental start|show`, `license extend`. */
export function registerBillingCommands(program: Command): void {
  const billing = program
    .command('billing')
    .description('prepaid billing accounts on a running vendor node: top-ups, balance, ledger');

  withNode(
    billing
      .command('account-create')
      .description('open a billing account for a customer')
      .requiredOption('--customer <name>', 'customer name')
      .option('--customer-id <id>', 'customer id (default: a new cus_… id)')
      .requiredOption('--currency <code>', 'ISO 4217 currency of the account, e.g. EUR')
      .option('--json', 'print JSON'),
  ).action(async (o: Flags & { customer: string; customerId?: string; currency: string }) => {
    const r = await call<AccountView>(o, 'POST', '/v1/billing/accounts', {
      customerName: o.customer,
      currency: o.currency,
      ...(o.customerId ? { customerId: o.customerId } : {}),
    });
    print(o, r, `${r.id}  ${r.customer.name} (${r.customer.id})  ${r.currency}`);
  });

  withNode(
    billing
      .command('topup <accountId> <amount>')
      .description('record a payment of AMOUNT in the account currency (e.g. 50.00); idempotent by --reference')
      .requiredOption(
        '--reference <ref>',
        "the payment's reference (a second top-up with the same reference is recorded once)",
      )
      .option('--json', 'print JSON'),
  ).action(async (accountId: string, amount: string, o: Flags & { reference: string }) => {
    const acc = await call<AccountView>(o, 'GET', `/v1/billing/accounts/${encodeURIComponent(accountId)}`);
    const minor = orExit(parseMoney(amount, acc.currency));
    const r = await call<TopUpAnswer>(o, 'POST', `/v1/billing/accounts/${encodeURIComponent(accountId)}/topups`, {
      amount: minor,
      currency: acc.currency,
      reference: o.reference,
    });
    const renewed = r.renewed.length ? `; renewed ${r.renewed.join(', ')}` : '';
    print(
      o,
      r,
      `${r.duplicate ? 'duplicate: already recorded' : 'recorded'} ${money(r.entry.amount, r.entry.currency)} (${r.entry.reference}); balance ${r.account.balanceText}${renewed}`,
    );
  });

  withNode(
    billing
      .command('balance <accountId>')
      .description("an account's balance (the sum of its ledger)")
      .option('--json', 'print JSON'),
  ).action(async (accountId: string, o: Flags) => {
    const r = await call<AccountView>(o, 'GET', `/v1/billing/accounts/${encodeURIComponent(accountId)}`);
    print(o, r, `${r.balanceText}  ${r.id}  ${r.customer.name}`);
  });

  withNode(
    billing
      .command('ledger <accountId>')
      .description("an account's ledger, oldest first")
      .option('--csv', 'print CSV (amounts in minor units)')
      .option('--json', 'print JSON'),
  ).action(async (accountId: string, o: Flags & { csv?: boolean }) => {
    const path = `/v1/billing/accounts/${encodeURIComponent(accountId)}/ledger?limit=10000`;
    if (o.csv) {
      const text = await callText(o, 'GET', `${path}&format=csv`);
      return void process.stdout.write(text);
    }
    const r = await call<LedgerAnswer>(o, 'GET', path);
    const rows = [['SEQ', 'TIME', 'KIND', 'AMOUNT', 'REFERENCE / RENTAL', 'NOTE']];
    for (const e of r.entries)
      rows.push([
        String(e.seq),
        new Date(e.at).toISOString(),
        e.kind,
        money(e.amount, e.currency),
        e.reference ?? e.rentalId ?? '',
        e.note ?? '',
      ]);
    print(o, r, `${table(rows)}\nbalance ${r.account.balanceText}`);
  });

  const rental = program.command('rental').description('rental licenses on a running vendor node: plans, rentals');
  const plan = rental.command('plan').description('rental plans: a price per period for a set of modules');
  withNode(
    plan
      .command('create')
      .description('create a rental plan')
      .requiredOption('--name <name>', 'plan name')
      .addOption(
        new Option('--period <period>', 'billing period').choices(['day', 'week', 'month']).makeOptionMandatory(),
      )
      .requiredOption('--price <amount>', 'price per period in the currency, e.g. 49.00')
      .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. EUR')
      .option('--module <id[=qty]>', 'entitlement, repeatable: 4001=10, or 2101 alone for unlimited', collect, [])
      .option('--grace-days <days>', 'apps keep working this many days after an unpaid period end', '0')
      .option('--json', 'print JSON'),
  ).action(
    async (
      o: Flags & { name: string; period: string; price: string; currency: string; module: string[]; graceDays: string },
    ) => {
      if (!/^\d{1,2}$/.test(o.graceDays))
        throw new CliError(
          `--grace-days must be a whole number of days from 0 to 90, got ${JSON.stringify(o.graceDays)}`,
        );
      const price = orExit(parseMoney(o.price, o.currency.toUpperCase(), '--price'));
      const entitlements = o.module.map(parseModuleSpec);
      if (!entitlements.length) throw new CliError('give at least one --module ID[=QUANTITY]');
      const r = await call<RentalPlanView>(o, 'POST', '/v1/rental-plans', {
        name: o.name,
        period: o.period,
        price,
        currency: o.currency,
        graceMs: Number(o.graceDays) * 86_400_000,
        entitlements,
      });
      print(o, r, `${r.id}  ${r.name}: ${money(r.price, r.currency)} per ${r.period}`);
    },
  );
  withNode(
    plan
      .command('update <planId>')
      .description("change a plan's name, price or grace period (a new price applies from each rental's next charge)")
      .option('--name <name>', 'new plan name')
      .option('--price <amount>', "new price per period in the plan's currency, e.g. 54.90")
      .option('--grace-days <days>', 'new grace period in days')
      .option('--json', 'print JSON'),
  ).action(async (planId: string, o: Flags & { name?: string; price?: string; graceDays?: string }) => {
    if (o.name === undefined && o.price === undefined && o.graceDays === undefined)
      throw new CliError('give at least one of --name, --price, --grace-days');
    if (o.graceDays !== undefined && !/^\d{1,2}$/.test(o.graceDays))
      throw new CliError(
        `--grace-days must be a whole number of days from 0 to 90, got ${JSON.stringify(o.graceDays)}`,
      );
    let price: number | undefined;
    if (o.price !== undefined) {
      const plans = (await call<PlansAnswer>(o, 'GET', '/v1/rental-plans')).plans;
      const current = plans.find((p) => p.id === planId);
      if (!current) throw new CliError(`no rental plan ${planId}`);
      price = orExit(parseMoney(o.price, current.currency, '--price'));
    }
    const body = {
      ...(o.name !== undefined ? { name: o.name } : {}),
      ...(price !== undefined ? { price } : {}),
      ...(o.graceDays !== undefined ? { graceMs: Number(o.graceDays) * 86_400_000 } : {}),
    };
    const r = await call<RentalPlanView>(o, 'PATCH', `/v1/rental-plans/${encodeURIComponent(planId)}`, body);
    print(o, r, `${r.id}  ${r.name}: ${money(r.price, r.currency)} per ${r.period}, grace ${r.graceMs / 86_400_000}d`);
  });
  withNode(plan.command('list').description('list rental plans').option('--json', 'print JSON')).action(
    async (o: Flags) => {
      const r = await call<PlansAnswer>(o, 'GET', '/v1/rental-plans');
      const rows = [['ID', 'NAME', 'PRICE', 'PERIOD', 'GRACE', 'MODULES']];
      for (const p of r.plans) {
        rows.push([
          p.id,
          p.name,
          money(p.price, p.currency),
          p.period,
          `${p.graceMs / 86_400_000}d`,
          p.entitlements
            .map((e: { moduleId: number; quantity: number | null }) => `${e.moduleId}=${e.quantity ?? '∞'}`)
            .join(' '),
        ]);
      }
      print(o, r, table(rows));
    },
  );
  withNode(
    rental
      .command('start')
      .description("start a rental for a customer's account: charges the first period and issues the license file")
      .requiredOption('--account <id>', 'billing account id')
      .requiredOption('--plan <id>', 'rental plan id')
      .requiredOption('--hardware-key <key>', 'hardware key of the node the license is for')
      .addOption(new Option('--scope <scope>', 'license scope').choices(['centralized', 'static']).default('static'))
      .addOption(
        new Option('--key-source <source>', 'where the node must read its hardware key')
          .choices(['usb', 'machine-id', 'any'])
          .default('usb'),
      )
      .option('--out <file>', 'write the license file here')
      .option('--json', 'print JSON'),
  ).action(
    async (
      o: Flags & { account: string; plan: string; hardwareKey: string; scope: string; keySource: string; out?: string },
    ) => {
      const r = await call<RentalView>(o, 'POST', '/v1/rentals', {
        accountId: o.account,
        planId: o.plan,
        hardwareKey: o.hardwareKey,
        scope: o.scope,
        keySource: o.keySource,
      });
      if (o.out) writeFileSync(o.out, r.license ?? '');
      print(
        o,
        r,
        `${r.id}  license ${r.licenseId} paid until ${r.paidUntil}${r.installedHere ? ' (installed on this node)' : ''}${o.out ? ` → ${o.out}` : ''}`,
      );
    },
  );
  withNode(
    rental
      .command('show <rentalId>')
      .description('a rental: status, paid period, current license file')
      .option('--out <file>', 'write the current license file here')
      .option('--json', 'print JSON'),
  ).action(async (rentalId: string, o: Flags & { out?: string }) => {
    const r = await call<RentalView>(o, 'GET', `/v1/rentals/${encodeURIComponent(rentalId)}`);
    if (o.out && r.license) writeFileSync(o.out, r.license);
    print(
      o,
      r,
      `${r.id}  ${r.status}  license ${r.licenseId} paid until ${r.paidUntil}, file valid until ${r.notAfter}${o.out ? ` → ${o.out}` : ''}`,
    );
  });

  const license = program.commands.find((c) => c.name() === 'license') ?? program.command('license');
  withNode(
    license
      .command('extend <licenseId>')
      .description(
        'extend a temporary license issued by a running vendor node: re-issued with the same id and a later end',
      )
      .requiredOption('--until <date>', 'new end date (YYYY-MM-DD = midnight UTC, or ISO time)')
      .option('--out <file>', 'write the re-issued license file here')
      .option('--json', 'print JSON'),
  ).action(async (licenseId: string, o: Flags & { until: string; out?: string }) => {
    const until = orExit(parseCliDate(o.until, '--until'));
    const r = await call<ExtendedLicenseAnswer>(o, 'POST', `/v1/licenses/${encodeURIComponent(licenseId)}/extend`, {
      until: until.toISOString(),
    });
    if (o.out) writeFileSync(o.out, r.license);
    print(
      o,
      r,
      `extended ${licenseId}: ${r.previousNotAfter} → ${r.payload.notAfter}${r.installedHere ? ' (installed on this node)' : ''}${o.out ? ` → ${o.out}` : ''}`,
    );
  });
}
