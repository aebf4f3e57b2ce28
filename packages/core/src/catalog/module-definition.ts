import type { AdmissionPolicy } from '../policy/admission-policy.js';

/** What a module is: an application of the suite, an add-on feature of one, a plugin counted per instance, or a per-connection slot module. */
export type ModuleKind = 'application' | 'feature' | 'plugin-instance' | 'connection';

/** Every module kind. */
export const MODULE_KINDS: readonly ModuleKind[] = ['application', 'feature', 'plugin-instance', 'connection'];

/**
 * What a module stands for in the node hierarchy: a server application the node itself runs (its license is what lets
 * the node serve at all), or the pool in which a parent counts its child nodes (subordinate Data Servers).
 */
export type ModuleRole = 'server-application' | 'child-nodes';

/** Every module role. */
export const MODULE_ROLES: readonly ModuleRole[] = ['server-application', 'child-nodes'];

/** A module registered under an integer module ID. */
export interface ModuleDefinition {
  id: number;
  name: string;
  kind: ModuleKind;
  policy: AdmissionPolicy;
  /** Seconds a lease lives without a heartbeat (lease-counting policies). */
  heartbeatTtlSeconds: number;
  /** For features: the application module they extend. */
  extends?: number;
  /** The developer who registered the module (developer licenses run every module of their developer). */
  developer: string;
  description?: string;
  /** Set on server applications (License Server, Data Server) and on the module that counts child nodes. */
  role?: ModuleRole;
}

/** A validated catalog: modules by ID. */
export interface Catalog {
  name: string;
  modules: ReadonlyMap<number, ModuleDefinition>;
}
