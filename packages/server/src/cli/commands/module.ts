import { type Catalog, describePolicy, type ModuleDefinition } from '@licensor/core';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { collect, loadCatalogsOption, table } from './shared.js';

function row(m: ModuleDefinition): string[] {
  return [
    String(m.id),
    m.name,
    m.kind,
    describePolicy(m.policy),
    `${m.heartbeatTtlSeconds}s`,
    m.extends === undefined ? '-' : String(m.extends),
  ];
}

/** `licensor module list|show`: prints the module catalog. */
export function registerModuleCommands(program: Command): void {
  const module = program
    .command('module')
    .description('show the module catalog (module IDs, kinds, admission policies)');
  module
    .command('list')
    .description('list every module of the catalogs')
    .option(
      '--catalog <file>',
      'catalog file (repeatable; default: catalogs/openservice.json and catalogs/syrve-plugins.json)',
      collect,
    )
    .option('--json', 'print JSON')
    .action((opts: { catalog?: string[]; json?: boolean }) => {
      const { catalog } = loadCatalogsOption(opts.catalog);
      const modules = [...catalog.modules.values()].sort((a, b) => a.id - b.id);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(modules, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${table([['ID', 'NAME', 'KIND', 'POLICY', 'TTL', 'EXTENDS'], ...modules.map(row)])}\n`);
    });
  module
    .command('show')
    .description('show one module')
    .argument('<id>', 'module ID')
    .option('--catalog <file>', 'catalog file (repeatable)', collect)
    .option('--json', 'print JSON')
    .action((idText: string, opts: { catalog?: string[]; json?: boolean }) => {
      const { catalog, names } = loadCatalogsOption(opts.catalog);
      const id = Number(idText);
      if (!/^\d+$/.test(idText) || !Number.isSafeInteger(id) || id <= 0)
        throw new CliError(`module ID must be a positive integer, got ${JSON.stringify(idText)}`);
      const m = catalog.modules.get(id);
      if (!m) throw new CliError(`unknown module ${id} (not in ${names.join(', ')})`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${describeModule(m, catalog)}\n`);
    });
}

function describeModule(m: ModuleDefinition, catalog: Catalog): string {
  const rows: string[][] = [
    ['id', String(m.id)],
    ['name', m.name],
    ['kind', m.kind],
    ['policy', describePolicy(m.policy)],
    ['heartbeat TTL', `${m.heartbeatTtlSeconds}s`],
    ['developer', m.developer],
  ];
  if (m.extends !== undefined)
    rows.push(['extends', `${m.extends} ${catalog.modules.get(m.extends)?.name ?? '(not in catalog)'}`]);
  const features = [...catalog.modules.values()].filter((f) => f.extends === m.id).sort((a, b) => a.id - b.id);
  features.forEach((f, i) => {
    rows.push([i === 0 ? 'features' : '', `${f.id} ${f.name}`]);
  });
  if (m.description) rows.push(['description', m.description]);
  return table(rows.map(([k, v]) => [k ? `${k}:` : '', v!]));
}
