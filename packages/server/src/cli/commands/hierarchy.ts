import type {
  AllocationDocument,
  NodesAnswer,
  NodeView,
  UpstreamAnswer,
  UpstreamInstallAnswer,
} from '@licensor/protocol';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { call, withNode } from './node-api.js';
import { readInputFile, table } from './shared.js';

type Flags = { url?: string; token?: string; json?: boolean };
type View = {
  id: string;
  name: string;
  state: string;
  message: string;
  licenseState: string | null;
  licenseSummary?: string | null;
  online: boolean;
  lastSyncAt: string;
  allocation: { seq: number; modules: Record<string, number> } | null;
  usage: { moduleId: number; quantity: number | null; used: number; blocked: number }[];
  children: View[];
};

const modulesText = (m: Record<string, number | null> | null | undefined) =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .map(([k, v]) => `${k}=${v ?? '∞'}`)
        .join(' ')
    : '—';
const usageText = (u: View['usage']) =>
  u
    .filter((l) => l.used || l.blocked)
    .map((l) => `${l.moduleId}:${l.used}/${l.quantity ?? '∞'}${l.blocked ? ` (${l.blocked} blocked)` : ''}`)
    .join(' ') || '—';

/** Parses `2001=5 4001=3` into a modules object, naming the bad argument. */
export function parseModuleQuantities(args: string[]): Record<string, number> {
  const modules: Record<string, number> = {};
  for (const a of args) {
    const m = /^([1-9][0-9]*)=([0-9]+)$/.exec(a);
    if (!m) throw new CliError(`expected MODULE=QUANTITY (e.g. 2001=5), got ${JSON.stringify(a)}`);
    modules[m[1] as string] = Number(m[2]);
  }
  return modules;
}

/** `licensor nodes`, `licensor allocate`, `licensor node forget`, `licensor upstream`, `licensor allocation install`. */
export function registerHierarchyCommands(program: Command): void {
  withNode(
    program
      .command('nodes')
      .description('show the tree below a running node: children, their allocations, sync state and usage')
      .option('--json', 'print JSON'),
  ).action(async (o: Flags) => {
    const r = await call<NodesAnswer>(o, 'GET', '/v1/nodes');
    if (o.json) return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    const rows = [['NODE', 'NAME', 'STATE', 'LICENSE', 'LAST SYNC', 'ALLOCATION', 'USE']];
    // Every node that is not simply served, in words: blocked by its parent, or running unlicensed.
    const notes: string[] = [];
    const walk = (items: View[], depth: number) => {
      for (const c of items) {
        const unlicensed = c.licenseState !== null && c.licenseState !== undefined && c.licenseState !== 'valid';
        rows.push([
          c.id,
          `${'  '.repeat(depth)}${c.name}`,
          `${c.state}${c.online ? '' : ' (offline)'}`,
          c.licenseState === 'valid' ? 'licensed' : unlicensed ? `UNLICENSED (${c.licenseState})` : '—',
          c.lastSyncAt,
          modulesText(c.allocation?.modules),
          usageText(c.usage ?? []),
        ]);
        if (c.state !== 'active') notes.push(`${c.name}: ${c.state} — ${c.message}`);
        if (unlicensed) notes.push(`${c.name}: ${c.licenseSummary ?? `running unlicensed (${c.licenseState})`}`);
        walk(c.children ?? [], depth + 1);
      }
    };
    walk(r.items, 0);
    process.stdout.write(
      `this node ${r.nodeId} holds ${modulesText(r.held)}; allocated ${modulesText(r.allocated)}${r.distributable ? '' : ` — ${r.distributableDetail}`}\n`,
    );
    process.stdout.write(
      r.items.length
        ? `${table(rows)}\n${notes.map((n) => `  ${n}\n`).join('')}`
        : 'no child nodes have synced with this node yet\n',
    );
  });

  withNode(
    program
      .command('allocate <nodeId> <quantities...>')
      .description(
        'set the module quantities of a child node, e.g. `licensor allocate node_… 2001=5 4001=2` (0 takes a module away)',
      )
      .option('--json', 'print JSON'),
  ).action(async (nodeId: string, quantities: string[], o: Flags) => {
    const r = await call<NodeView>(o, 'PUT', `/v1/nodes/${encodeURIComponent(nodeId)}/allocation`, {
      modules: parseModuleQuantities(quantities),
    });
    if (o.json) return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    process.stdout.write(
      `${r.name} (${r.id}) now has ${modulesText(r.allocation?.modules)} (seq ${r.allocation?.seq}); it takes effect at its next sync\n`,
    );
  });

  const node =
    program.commands.find((c) => c.name() === 'node') ??
    program.command('node').description('child nodes of a running node');
  withNode(
    node
      .command('forget <nodeId>')
      .description('forget a child node: its allocation returns, its place among subordinate servers frees'),
  ).action(async (nodeId: string, o: Flags) => {
    await call<unknown>(o, 'DELETE', `/v1/nodes/${encodeURIComponent(nodeId)}`);
    process.stdout.write(`forgot ${nodeId}\n`);
  });

  withNode(
    program
      .command('upstream')
      .description("show a running node's link to its parent: state, last sync, allocation")
      .option('--json', 'print JSON'),
  ).action(async (o: Flags) => {
    const r = await call<UpstreamAnswer>(o, 'GET', '/v1/upstream');
    if (o.json) return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    const a = r.allocation;
    process.stdout.write(
      `parent ${r.url} (${r.parentNodeId ?? 'not reached yet'}): ${r.state} — ${r.message}\n  this node: ${r.nodeId ?? '(not registered yet)'}; last sync ${r.lastSyncAt ?? 'never'}${r.lastError ? `; last error: ${r.lastError}` : ''}\n  allocation: ${a ? `seq ${a.seq}, ${a.entitlements.map((e: { moduleId: number; quantity: number | null }) => `${e.moduleId}=${e.quantity ?? '∞'}`).join(' ') || 'nothing'}, valid until ${a.notAfter}` : 'none'}\n`,
    );
  });

  const allocation = program.command('allocation').description('allocation documents on a child node');
  withNode(
    allocation
      .command('install <file>')
      .description(
        'install an allocation document by hand (a site without a link to its parent); older ones are refused',
      ),
  ).action(async (file: string, o: Flags) => {
    const r = await call<UpstreamInstallAnswer>(o, 'PUT', '/v1/upstream/allocation', {
      allocation: readInputFile(file, 'allocation document'),
    });
    process.stdout.write(
      `installed allocation ${r.allocation.id} (seq ${r.allocation.seq}), valid until ${r.allocation.notAfter}\n`,
    );
  });
  withNode(
    allocation
      .command('export <nodeId>')
      .description(
        'print a fresh allocation document for a child node (run on the parent; carry it to a site without a link)',
      ),
  ).action(async (nodeId: string, o: Flags) => {
    const r = await call<AllocationDocument>(o, 'GET', `/v1/nodes/${encodeURIComponent(nodeId)}/allocation-document`);
    process.stdout.write(r.allocation);
  });
}
