import { fail, type Outcome, ok } from '@licensor/protocol';
import {
  type AdmissionPolicy,
  POLICY_DEFAULTS,
  POLICY_STRATEGIES,
  type PolicyStrategy,
} from '../policy/admission-policy.js';
import {
  type Catalog,
  MODULE_KINDS,
  MODULE_ROLES,
  type ModuleDefinition,
  type ModuleKind,
  type ModuleRole,
} from './module-definition.js';

/** The strategies each module kind may use (seed rules: features are only "licensed or not", connections are slots). */
export const STRATEGIES_BY_KIND: Readonly<Record<ModuleKind, readonly PolicyStrategy[]>> = {
  application: POLICY_STRATEGIES,
  feature: ['UNCOUNTED'],
  'plugin-instance': ['REJECT_NEW', 'EVICT_INACTIVE', 'UNCOUNTED'],
  connection: ['REJECT_NEW', 'EVICT_INACTIVE'],
};

const MODULE_FIELDS = new Set([
  'id',
  'name',
  'kind',
  'policy',
  'heartbeatTtlSeconds',
  'extends',
  'developer',
  'description',
  'role',
]);
const POLICY_FIELDS: Record<PolicyStrategy, readonly string[]> = {
  REJECT_NEW: [],
  EVICT_INACTIVE: ['idleThresholdSeconds'],
  BLOCK_LATEST: ['memberInactiveAfterSeconds'],
  DEGRADE: ['allowedWhenOverQuota', 'refusedWhenOverQuota'],
  UNCOUNTED: [],
};

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isText);
const show = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v));
const orList = (xs: readonly string[]): string =>
  xs.length === 1 ? xs[0]! : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`;

/** A failure listing every problem, one per line after the first; `data.problems` holds them as an array. */
function problemsFailure(what: string, problems: string[]): Outcome<never> {
  const n = problems.length;
  const message = `${what} has ${n} problem${n === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return fail('VALIDATION_FAILED', message, { data: { problems } });
}

/**
 * Validates a catalog document (`{ catalog, developer, modules: [...] }`) and names every problem found, not only the
 * first: duplicate IDs, unknown kinds and strategies, policies that do not fit the kind, missing or malformed policy
 * parameters, features that extend nothing or a non-application, unknown fields. Omitted optional parameters take
 * POLICY_DEFAULTS; a module's developer defaults to the catalog's.
 */
export function parseCatalog(json: unknown, source?: string): Outcome<Catalog> {
  const what = source ? `catalog ${source}` : 'catalog';
  const problems: string[] = [];
  if (!isObj(json)) return problemsFailure(what, ['the document is not a JSON object']);
  for (const key of Object.keys(json)) {
    if (key !== 'catalog' && key !== 'developer' && key !== 'modules' && key !== '$schema' && key !== 'description') {
      problems.push(`unknown field ${JSON.stringify(key)} (expected catalog, developer, description, modules)`);
    }
  }
  if (!isText(json.catalog))
    problems.push(`catalog (the catalog's name) must be a non-empty string, got ${show(json.catalog)}`);
  if (!isText(json.developer)) problems.push(`developer must be a non-empty string, got ${show(json.developer)}`);
  if (!Array.isArray(json.modules)) {
    problems.push(`modules must be an array, got ${show(json.modules)}`);
    return problemsFailure(what, problems);
  }
  const raw = json.modules as unknown[];
  const firstIndexById = new Map<number, number>();
  raw.forEach((m, i) => {
    if (isObj(m) && isPositiveInt(m.id) && !firstIndexById.has(m.id)) firstIndexById.set(m.id, i);
  });
  const modules = new Map<number, ModuleDefinition>();
  raw.forEach((m, i) => {
    const def = parseModule(m, `modules[${i}]`, json.developer, raw, firstIndexById, problems);
    if (def && !modules.has(def.id)) modules.set(def.id, def);
  });
  if (problems.length > 0) return problemsFailure(what, problems);
  return ok({ name: json.catalog as string, modules });
}

function parseModule(
  m: unknown,
  at: string,
  catalogDeveloper: unknown,
  all: unknown[],
  firstIndexById: Map<number, number>,
  problems: string[],
): ModuleDefinition | undefined {
  if (!isObj(m)) {
    problems.push(`${at} is not an object`);
    return undefined;
  }
  const start = problems.length;
  for (const key of Object.keys(m)) {
    if (!MODULE_FIELDS.has(key))
      problems.push(`${at} has unknown field ${JSON.stringify(key)} (expected ${[...MODULE_FIELDS].join(', ')})`);
  }
  if (!isPositiveInt(m.id)) problems.push(`${at}.id must be a positive integer, got ${show(m.id)}`);
  else {
    const first = firstIndexById.get(m.id);
    if (first !== undefined && `modules[${first}]` !== at)
      problems.push(`${at}.id ${m.id} is a duplicate of modules[${first}]`);
  }
  const name = isText(m.name) ? m.name : undefined;
  if (!name) problems.push(`${at}.name must be a non-empty string, got ${show(m.name)}`);
  const kind = MODULE_KINDS.includes(m.kind as ModuleKind) ? (m.kind as ModuleKind) : undefined;
  if (!kind) problems.push(`${at}.kind ${show(m.kind)} is unknown (expected ${orList(MODULE_KINDS)})`);
  const policy = parsePolicy(m.policy, `${at}.policy`, kind, problems);

  let heartbeatTtlSeconds: number = POLICY_DEFAULTS.heartbeatTtlSeconds;
  if (m.heartbeatTtlSeconds !== undefined) {
    if (isPositiveInt(m.heartbeatTtlSeconds)) heartbeatTtlSeconds = m.heartbeatTtlSeconds;
    else
      problems.push(
        `${at}.heartbeatTtlSeconds must be a positive integer (seconds), got ${show(m.heartbeatTtlSeconds)}`,
      );
  }

  if (kind === 'feature') {
    if (m.extends === undefined)
      problems.push(`${at} is a feature without "extends" (the ID of the application it extends)`);
    else if (!isPositiveInt(m.extends)) problems.push(`${at}.extends must be a module ID, got ${show(m.extends)}`);
    else {
      const target = firstIndexById.get(m.extends);
      const targetDef = target === undefined ? undefined : (all[target] as Json);
      if (targetDef === undefined) problems.push(`${at}.extends ${m.extends}, which is not a module of this catalog`);
      else if (targetDef.kind !== 'application') {
        problems.push(
          `${at}.extends ${m.extends} (modules[${target}]), which is a ${show(targetDef.kind)} module, not an application`,
        );
      }
    }
  } else if (m.extends !== undefined && kind) {
    problems.push(
      `${at}.extends is set, but only features extend an application (this module is ${kind === 'application' ? 'an' : 'a'} ${kind})`,
    );
  }

  let developer = typeof catalogDeveloper === 'string' ? catalogDeveloper : '';
  if (m.developer !== undefined) {
    if (isText(m.developer)) developer = m.developer;
    else problems.push(`${at}.developer must be a non-empty string, got ${show(m.developer)}`);
  }
  if (m.description !== undefined && typeof m.description !== 'string')
    problems.push(`${at}.description must be a string`);
  const role = parseRole(m.role, at, kind, policy, problems);

  if (problems.length > start || !kind || !policy || !name) return undefined;
  const def: ModuleDefinition = { id: m.id as number, name, kind, policy, heartbeatTtlSeconds, developer };
  if (m.extends !== undefined) def.extends = m.extends as number;
  if (typeof m.description === 'string') def.description = m.description;
  if (role) def.role = role;
  return def;
}

/** A module's role: a server application is an UNCOUNTED application; the child-node count is a BLOCK_LATEST pool. */
function parseRole(
  r: unknown,
  at: string,
  kind: ModuleKind | undefined,
  policy: AdmissionPolicy | undefined,
  problems: string[],
): ModuleRole | undefined {
  if (r === undefined) return undefined;
  if (!MODULE_ROLES.includes(r as ModuleRole)) {
    problems.push(`${at}.role ${show(r)} is unknown (expected ${orList(MODULE_ROLES)})`);
    return undefined;
  }
  const role = r as ModuleRole;
  if (role === 'server-application' && (kind !== 'application' || (policy && policy.strategy !== 'UNCOUNTED'))) {
    problems.push(
      `${at}.role server-application needs kind application with strategy UNCOUNTED (the node itself is licensed or not)`,
    );
  }
  if (role === 'child-nodes' && (kind !== 'application' || (policy && policy.strategy !== 'BLOCK_LATEST'))) {
    problems.push(
      `${at}.role child-nodes needs kind application with strategy BLOCK_LATEST (the latest connected child nodes are blocked)`,
    );
  }
  return role;
}

function parsePolicy(
  p: unknown,
  at: string,
  kind: ModuleKind | undefined,
  problems: string[],
): AdmissionPolicy | undefined {
  if (!isObj(p)) {
    problems.push(`${at} must be an object like { "strategy": "REJECT_NEW" }, got ${show(p)}`);
    return undefined;
  }
  const strategy = p.strategy as PolicyStrategy;
  if (!POLICY_STRATEGIES.includes(strategy)) {
    problems.push(`${at}.strategy ${show(p.strategy)} is unknown (expected ${orList(POLICY_STRATEGIES)})`);
    return undefined;
  }
  const start = problems.length;
  if (kind && !STRATEGIES_BY_KIND[kind].includes(strategy)) {
    problems.push(
      `${at}.strategy ${strategy} does not fit kind ${kind} (a ${kind} may use ${orList(STRATEGIES_BY_KIND[kind])})`,
    );
  }
  const allowed = POLICY_FIELDS[strategy];
  for (const key of Object.keys(p)) {
    if (key !== 'strategy' && !allowed.includes(key)) problems.push(`${at}.${key} does not apply to ${strategy}`);
  }
  let policy: AdmissionPolicy | undefined;
  switch (strategy) {
    case 'REJECT_NEW':
    case 'UNCOUNTED':
      policy = { strategy };
      break;
    case 'EVICT_INACTIVE':
      // No silent default here: how long a device may idle before another may take its place is a business decision.
      if (p.idleThresholdSeconds === undefined) {
        problems.push(
          `${at}.idleThresholdSeconds is missing: EVICT_INACTIVE needs the idle time in seconds after which a holder may be evicted (e.g. ${POLICY_DEFAULTS.idleThresholdSeconds})`,
        );
      } else if (!isPositiveInt(p.idleThresholdSeconds)) {
        problems.push(
          `${at}.idleThresholdSeconds must be a positive integer (seconds), got ${show(p.idleThresholdSeconds)}`,
        );
      } else policy = { strategy, idleThresholdSeconds: p.idleThresholdSeconds };
      break;
    case 'BLOCK_LATEST': {
      const v =
        p.memberInactiveAfterSeconds === undefined
          ? POLICY_DEFAULTS.memberInactiveAfterSeconds
          : p.memberInactiveAfterSeconds;
      if (v !== null && !isPositiveInt(v))
        problems.push(`${at}.memberInactiveAfterSeconds must be a positive integer (seconds) or null, got ${show(v)}`);
      else policy = { strategy, memberInactiveAfterSeconds: v };
      break;
    }
    case 'DEGRADE': {
      const a =
        p.allowedWhenOverQuota === undefined ? [...POLICY_DEFAULTS.allowedWhenOverQuota] : p.allowedWhenOverQuota;
      const r =
        p.refusedWhenOverQuota === undefined ? [...POLICY_DEFAULTS.refusedWhenOverQuota] : p.refusedWhenOverQuota;
      const aOk = isStringList(a);
      const rOk = isStringList(r);
      if (!aOk) problems.push(`${at}.allowedWhenOverQuota must be an array of operation names, got ${show(a)}`);
      if (!rOk) problems.push(`${at}.refusedWhenOverQuota must be an array of operation names, got ${show(r)}`);
      if (aOk && rOk) {
        const both = a.filter((x) => r.includes(x));
        if (both.length > 0)
          problems.push(
            `${at}: operation ${both.map((x) => JSON.stringify(x)).join(', ')} is both allowed and refused when over quota`,
          );
        else policy = { strategy, allowedWhenOverQuota: a, refusedWhenOverQuota: r };
      }
      break;
    }
  }
  return problems.length > start ? undefined : policy;
}

/**
 * Merges several validated catalogs loaded on one node into one; module IDs must be unique across them. The merged
 * name joins the names with `+`.
 */
export function mergeCatalogs(catalogs: readonly Catalog[]): Outcome<Catalog> {
  if (catalogs.length === 1) return ok(catalogs[0]!);
  const modules = new Map<number, ModuleDefinition>();
  const owner = new Map<number, string>();
  const problems: string[] = [];
  for (const c of catalogs) {
    for (const [id, def] of c.modules) {
      const first = owner.get(id);
      if (first !== undefined)
        problems.push(
          `module ${id} (${def.name}) of catalog ${c.name} is a duplicate of module ${id} of catalog ${first}`,
        );
      else {
        owner.set(id, c.name);
        modules.set(id, def);
      }
    }
  }
  if (problems.length > 0) return problemsFailure('merged catalogs', problems);
  return ok({ name: catalogs.map((c) => c.name).join('+'), modules });
}

/** One line describing a policy with its parameters, e.g. `EVICT_INACTIVE idle=900s`. */
export function describePolicy(p: AdmissionPolicy): string {
  switch (p.strategy) {
    case 'EVICT_INACTIVE':
      return `EVICT_INACTIVE idle=${p.idleThresholdSeconds}s`;
    case 'BLOCK_LATEST':
      return `BLOCK_LATEST memberInactive=${p.memberInactiveAfterSeconds === null ? 'never' : `${p.memberInactiveAfterSeconds}s`}`;
    case 'DEGRADE':
      return `DEGRADE allowed=[${p.allowedWhenOverQuota.join(',')}] refused=[${p.refusedWhenOverQuota.join(',')}]`;
    default:
      return p.strategy;
  }
}
