import { fail, type ModuleTerms, type Outcome } from '@licensor/protocol';
import type { AdmissionPolicy } from '../policy/admission-policy.js';
import type { Catalog, ModuleDefinition } from './module-definition.js';
import { parseCatalog } from './parse-catalog.js';

/**
 * The module definitions a license signs, checked as strictly as a catalog file: a node enforces these. A signed
 * license whose terms do not parse is refused as malformed rather than run under guessed policies.
 */
export function catalogFromTerms(terms: readonly ModuleTerms[], name: string): Outcome<Catalog> {
  const parsed = parseCatalog({ catalog: name, developer: 'license', modules: terms }, `signed in license ${name}`);
  if (!parsed.ok) return fail('MALFORMED', parsed.message, parsed.data ? { data: parsed.data } : {});
  return parsed;
}

/** Copies a module's definition into signed terms (what the vendor CLI writes into a license at issue time). */
export function termsOf(def: ModuleDefinition): ModuleTerms {
  const t: ModuleTerms = {
    id: def.id,
    name: def.name,
    kind: def.kind,
    policy: { ...def.policy } as ModuleTerms['policy'],
    heartbeatTtlSeconds: def.heartbeatTtlSeconds,
    developer: def.developer,
  };
  if (def.extends !== undefined) t.extends = def.extends;
  if (def.role !== undefined) t.role = def.role;
  if (def.description !== undefined) t.description = def.description;
  return t;
}

/** What a local catalog did to the licensed terms: a line per module it tightened or could not apply to. */
export interface TightenResult {
  catalog: Catalog;
  notes: string[];
}

/** The longer of two member inactivity limits; null (never dropped) is the longest. */
const maxOrNull = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : Math.max(a, b);

/** The stricter of two policies of the same strategy (a local setting may only tighten what the license says). */
function tighterPolicy(signed: AdmissionPolicy, local: AdmissionPolicy): AdmissionPolicy {
  if (signed.strategy === 'EVICT_INACTIVE' && local.strategy === 'EVICT_INACTIVE') {
    return {
      strategy: signed.strategy,
      idleThresholdSeconds: Math.min(signed.idleThresholdSeconds, local.idleThresholdSeconds),
    };
  }
  if (signed.strategy === 'BLOCK_LATEST' && local.strategy === 'BLOCK_LATEST') {
    // A member dropped sooner frees its place for a blocked one: only a longer limit (or never) is stricter.
    return {
      strategy: signed.strategy,
      memberInactiveAfterSeconds: maxOrNull(signed.memberInactiveAfterSeconds, local.memberInactiveAfterSeconds),
    };
  }
  if (signed.strategy === 'DEGRADE' && local.strategy === 'DEGRADE') {
    // Refusing more operations over quota is stricter; allowing one the license refuses is not.
    const refused = [...new Set([...signed.refusedWhenOverQuota, ...local.refusedWhenOverQuota])];
    return {
      strategy: signed.strategy,
      allowedWhenOverQuota: signed.allowedWhenOverQuota.filter((op) => !refused.includes(op)),
      refusedWhenOverQuota: refused,
    };
  }
  return signed;
}

/**
 * Applies a node's local catalog to the licensed module definitions: it may rename modules for display and tighten a
 * policy of the same strategy (shorter idle threshold or heartbeat TTL, a longer member inactivity limit, more
 * operations refused over quota), never loosen one or add a limit. Modules only the local catalog knows stay, unlicensed and without a
 * role, so asking for them says "not licensed" by name.
 */
export function tightenCatalog(licensed: Catalog, local: Catalog): TightenResult {
  const modules = new Map<number, ModuleDefinition>();
  const notes: string[] = [];
  for (const [id, signed] of licensed.modules) {
    const mine = local.modules.get(id);
    if (!mine) {
      modules.set(id, signed);
      continue;
    }
    const def: ModuleDefinition = {
      ...signed,
      name: mine.name,
      heartbeatTtlSeconds: Math.min(signed.heartbeatTtlSeconds, mine.heartbeatTtlSeconds),
    };
    if (mine.description !== undefined) def.description = mine.description;
    if (mine.policy.strategy !== signed.policy.strategy) {
      notes.push(
        `module ${id}: the local catalog's ${mine.policy.strategy} is ignored; the license says ${signed.policy.strategy}`,
      );
    } else def.policy = tighterPolicy(signed.policy, mine.policy);
    modules.set(id, def);
  }
  for (const [id, mine] of local.modules) {
    if (modules.has(id)) continue;
    const { role: _role, ...unlicensed } = mine;
    modules.set(id, unlicensed);
  }
  return { catalog: { name: licensed.name, modules }, notes };
}
