import { type Catalog, type ModuleDefinition, modulesWithRole, tightenCatalog } from '@licensor/core';

/**
 * The module definitions a node enforces: the terms its own license signs, then those of the license its allocation
 * chain ends in (for modules its own license does not name), then its local catalog, which may only rename and tighten.
 */
export function effectiveCatalog(
  local: Catalog,
  own: Catalog | null,
  fromAllocation: Catalog | null,
): { catalog: Catalog; notes: string[] } {
  const modules = new Map<number, ModuleDefinition>(own?.modules ?? []);
  for (const [id, def] of fromAllocation?.modules ?? []) if (!modules.has(id)) modules.set(id, def);
  return tightenCatalog({ name: own?.name ?? fromAllocation?.name ?? local.name, modules }, local);
}

/** The server applications the signed terms name (the License Server, the Data Server): the node must hold one. */
export function serverApplications(signed: Iterable<Catalog | null>): ModuleDefinition[] {
  const found = new Map<number, ModuleDefinition>();
  for (const c of signed) if (c) for (const m of modulesWithRole(c, 'server-application')) found.set(m.id, m);
  return [...found.values()].sort((a, b) => a.id - b.id);
}
