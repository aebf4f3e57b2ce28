import {
  type EventsAnswer,
  ID_RULE_TEXT,
  isValidId,
  type LicenseInstallAnswer,
  type MemberRow,
  type PoolDetail,
  type PoolsAnswer,
  type ReleaseAnswer,
  type RemoveMemberAnswer,
} from '@licensor/protocol';
import type { Command } from 'commander';
import { nodeClientConfig } from '../../config/client-config.js';
import { CliError, EXIT } from '../cli-error.js';
import { readInputFile, table } from './shared.js';

type Flags = { url?: string; token?: string; json?: boolean };

/** The exit code for a node's error answer: licensing refusals 3, the node or its store unavailable 2, bad input 1. */
export function exitForStatus(status: number): number {
  if (status === 409 || status === 422) return EXIT.REFUSED;
  return status >= 500 ? EXIT.ENVIRONMENT : EXIT.BAD_INPUT;
}

/**
 * Calls a running node's API and answers its JSON, typed by the caller with the route's answer type from
 * @licensor/protocol; a problem+json answer becomes one readable line and a non-zero exit.
 */
export async function call<T>(flags: Flags, method: string, path: string, body?: unknown): Promise<T> {
  return (await send(flags, method, path, body, false)) as T;
}

/** Calls a running node's API and answers the body as sent (CSV). */
export async function callText(flags: Flags, method: string, path: string): Promise<string> {
  return (await send(flags, method, path, undefined, true)) as string;
}

async function send(flags: Flags, method: string, path: string, body: unknown, asText: boolean): Promise<unknown> {
  const { url, token } = nodeClientConfig(flags);
  if (!token) throw new CliError('an admin token is needed: --token or LICENSOR_TOKEN');
  let res: Response;
  try {
    res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new CliError(
      `cannot reach the node at ${url}: ${(err as Error).cause ? String((err as { cause: Error }).cause.message) : (err as Error).message}`,
      EXIT.ENVIRONMENT,
    );
  }
  const text = await res.text();
  let parsed: { code?: string; detail?: string } | null = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    if (!res.ok || !asText)
      throw new CliError(
        `${url} answered ${res.status} with something that is not a Licensor node's JSON; check --url`,
        res.ok ? EXIT.ENVIRONMENT : exitForStatus(res.status),
      );
  }
  if (!res.ok)
    throw new CliError(
      `${parsed?.code ?? res.status}: ${(parsed?.detail ?? text).replace(/\s+/g, ' ').slice(0, 500)}`,
      exitForStatus(res.status),
    );
  return asText ? text : parsed;
}

export const withNode = (c: Command) =>
  c
    .option('--url <url>', 'node URL [env LICENSOR_URL] (default: http://127.0.0.1:7070)')
    .option('--token <token>', 'admin token [env LICENSOR_TOKEN]');

/** Commands that manage a running node through its API: license install, pools, force-release, members, events. */
export function registerNodeApiCommands(program: Command): void {
  const license = program.commands.find((c) => c.name() === 'license') ?? program.command('license');
  withNode(
    license
      .command('install <file>')
      .description(
        "install a license file on a running node (verified against the issuer key and the node's hardware key)",
      ),
  ).action(async (file: string, o: Flags) => {
    const r = await call<LicenseInstallAnswer>(o, 'PUT', '/v1/license', {
      license: readInputFile(file, 'license file'),
    });
    process.stdout.write(
      `installed ${r.license.id} for ${r.license.customer.name}: ${r.state.state} — ${r.state.detail}\n`,
    );
  });
  withNode(
    program
      .command('pools')
      .description("show a running node's pools: used / quantity per module")
      .option('--json', 'print JSON'),
  ).action(async (o: Flags) => {
    const r = await call<PoolsAnswer>(o, 'GET', '/v1/pools');
    if (o.json) return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    const rows = [['MODULE', 'NAME', 'POLICY', 'USED', 'QUANTITY', 'BLOCKED', 'QUOTA']];
    for (const p of r.pools)
      rows.push([
        String(p.moduleId),
        p.name,
        p.strategy,
        String(p.used),
        p.quantity === null ? '∞' : String(p.quantity),
        p.blockedByProfile ? `${p.blocked} (${p.blockedByProfile} for add-ons)` : String(p.blocked),
        p.quotaState ?? '',
      ]);
    process.stdout.write(`${table(rows)}${r.nonProduction ? '\nNON-PRODUCTION (developer license)\n' : '\n'}`);
  });
  withNode(
    program
      .command('release <moduleId> <holderId>')
      .description("force-release a holder's slot on a running node (the holder learns it at once)"),
  ).action(async (moduleId: string, holderId: string, o: Flags) => {
    moduleIdArg(moduleId);
    if (!isValidId(holderId))
      throw new CliError(
        `holderId must be ${ID_RULE_TEXT}, got ${JSON.stringify(String(holderId).slice(0, 60))} (${String(holderId).length} characters)`,
      );
    const r = await call<ReleaseAnswer>(
      o,
      'POST',
      `/v1/modules/${moduleId}/leases/${encodeURIComponent(holderId)}/revoke`,
    );
    process.stdout.write(
      r.released
        ? `released ${holderId} from module ${moduleId}\n`
        : `${holderId} held no slot of module ${moduleId}\n`,
    );
  });
  const member = program
    .command('member')
    .description('members of a BLOCK_LATEST pool on a running node (cash registers, subordinate servers)');
  withNode(
    member
      .command('list <moduleId>')
      .description('list the members of a pool in connection order: state and why a blocked one is blocked')
      .option('--json', 'print JSON'),
  ).action(async (moduleId: string, o: Flags) => {
    const id = moduleIdArg(moduleId);
    const members = await allMembers(o, id);
    if (o.json) return void process.stdout.write(`${JSON.stringify({ members }, null, 2)}\n`);
    if (members.length === 0) return void process.stdout.write(`module ${id} has no member\n`);
    const rows = [['#', 'MEMBER', 'STATE', 'WHY', 'LAST SEEN', 'ADD-ONS']];
    for (const m of members) {
      const why =
        m.state !== 'blocked'
          ? ''
          : m.blockedReason === 'features_unlicensed'
            ? `add-ons not licensed: ${m.missingFeatures.join(', ')}`
            : 'beyond the licensed quantity';
      rows.push([
        String(m.position),
        m.memberId,
        m.state,
        why,
        new Date(m.lastSeenAt).toISOString(),
        m.features.length ? m.features.join(', ') : '-',
      ]);
    }
    process.stdout.write(`${table(rows)}\n`);
  });
  withNode(
    member
      .command('remove <moduleId> <memberId>')
      .description(
        'remove a member for good: its place frees and the next blocked members become active, in connection order',
      ),
  ).action(async (moduleId: string, memberId: string, o: Flags) => {
    const id = moduleIdArg(moduleId);
    const r = await call<RemoveMemberAnswer>(o, 'DELETE', `/v1/modules/${id}/members/${encodeURIComponent(memberId)}`);
    const unblocked = r.unblocked;
    process.stdout.write(
      `removed ${memberId} from module ${id}${unblocked.length ? `; now active: ${unblocked.join(', ')}` : ''}\n`,
    );
  });
  withNode(
    program
      .command('events')
      .description("print a running node's events, oldest first")
      .option('--after <cursor>', 'start after this cursor', '0')
      .option('--type <types>', 'comma-separated event types')
      .option('--json', 'print JSON'),
  ).action(async (o: Flags & { after: string; type?: string }) => {
    const r = await call<EventsAnswer>(
      o,
      'GET',
      `/v1/events?after=${encodeURIComponent(o.after)}&limit=1000${o.type ? `&type=${encodeURIComponent(o.type)}` : ''}`,
    );
    if (o.json) return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    for (const e of r.events)
      process.stdout.write(
        `${e.seq}\t${new Date(e.at).toISOString()}\t${e.type}\t${e.moduleId ?? ''}\t${e.subject ?? ''}\t${e.data ? JSON.stringify(e.data) : ''}\n`,
      );
  });
}

/** A module ID argument: a positive integer, or exit 2 with one line. */
function moduleIdArg(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id <= 0)
    throw new CliError(`moduleId must be a positive integer, got ${JSON.stringify(text)}`, 2);
  return id;
}

/** Pages of 1,000 read at most: 100,000 members, far beyond any licensed quantity. */
const MAX_MEMBER_PAGES = 100;

/** Every member of a pool in connection order, read page by page from GET /v1/pools/:moduleId. */
async function allMembers(o: Flags, moduleId: number): Promise<MemberRow[]> {
  const out: MemberRow[] = [];
  let cursor: number | null = 0;
  for (let page = 0; page < MAX_MEMBER_PAGES && cursor !== null; page++) {
    // The holder cursor past every holder id keeps the holder page empty: only members are wanted here.
    const r: PoolDetail = await call<PoolDetail>(
      o,
      'GET',
      `/v1/pools/${moduleId}?limit=1000&memberCursor=${cursor}&cursor=%7F`,
    );
    out.push(...r.members);
    cursor = r.nextMemberCursor;
  }
  return out;
}
