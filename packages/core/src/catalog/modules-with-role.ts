import type { Catalog, ModuleDefinition, ModuleRole } from './module-definition.js';

/** The catalog's modules that play a role (server applications, the child-node count), in ascending module ID. */
export function modulesWithRole(catalog: Catalog, role: ModuleRole): ModuleDefinition[] {
  return [...catalog.modules.values()].filter((m) => m.role === role).sort((a, b) => a.id - b.id);
}
