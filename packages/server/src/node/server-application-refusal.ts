import type { Catalog, ModuleDefinition } from '@licensor/core';
import type { Failure } from '@licensor/protocol';

/**
 * Why a node may not serve for want of its server application: the signed terms name server applications (`apps`:
 * the License Server, the Data Server) and what the node holds grants none of them — or not the one `--application`
 * names (`wanted`), which must be one of them: naming a client application (4001) cannot stand in for the server
 * application the license withholds. Null when the node may serve. Admin work and upstream sync go on regardless.
 */
export function serverApplicationRefusal(
  apps: readonly ModuleDefinition[],
  wanted: number | null,
  held: ReadonlyMap<number, number | null>,
  catalog: Catalog,
): Failure | null {
  if (wanted === null && !apps.length) return null;
  const name = (id: number) => `${catalog.modules.get(id)?.name ?? 'module'} (${id})`;
  const list = apps.map((a) => name(a.id)).join(' or ');
  const refuse = (message: string, moduleId: number): Failure => ({
    ok: false,
    code: 'LICENSE_MISSING',
    message,
    data: { moduleId },
  });
  if (wanted !== null) {
    if (apps.length && !apps.some((a) => a.id === wanted)) {
      return refuse(
        `--application ${wanted} names ${name(wanted)}, which is not a server application of this node's license (it runs ${list}): client work is refused until --application names one its license grants`,
        wanted,
      );
    }
    if (held.has(wanted)) return null;
    return refuse(
      `this node runs ${name(wanted)} (--application ${wanted}), which neither its license nor its allocation grants: client work is refused until it is licensed`,
      wanted,
    );
  }
  if (apps.some((a) => held.has(a.id))) return null;
  return refuse(
    `the server application is not licensed on this node (it needs ${list}): client work is refused until it is licensed`,
    apps[0]!.id,
  );
}
