import {
  CatalogAnswer,
  HealthAnswer,
  LicenseAnswer,
  LicenseInstallAnswer,
  LicenseInstallBody,
  ReadyAnswer,
  StatusAnswer,
} from '@licensor/protocol/schemas';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { LicenseInstallation } from '../../node/license-installer.js';
import type { NodeLicense } from '../../node/node-license.js';
import type { PoolReader } from '../../node/pool-table.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../time/clock.js';
import { licenseSnapshot } from '../../transport/license-snapshot.js';
import { auditActor, unwrap } from '../request-context.js';
import { errors } from '../../transport/schemas.js';
import type { StoreHealth } from '../../transport/store-health.js';

/** Health, readiness, status, catalog and license routes. */
export function systemRoutes(
  app: FastifyInstance,
  node: { licensing: NodeLicense; installer: LicenseInstallation; pools: PoolReader; store: Store; clock: Clock },
  health: StoreHealth,
): void {
  app.get(
    '/healthz',
    { schema: { summary: 'The process is up', tags: ['system'], response: { 200: HealthAnswer } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary:
          'The store answers and takes writes (false while the disk is full or the store unreachable), and the node serves',
        tags: ['system'],
        response: { 200: ReadyAnswer, 503: Type.Union([ReadyAnswer, Type.Ref('Problem')]) },
      },
    },
    async (_req, reply) => {
      const ready = await health.ready();
      reply.code(ready ? 200 : 503);
      return { ready, store: node.store.kind };
    },
  );

  app.get(
    '/v1/status',
    {
      config: { roles: ['app', 'admin'] },
      schema: { summary: 'Node status', tags: ['system'], response: { 200: StatusAnswer } },
    },
    async () => {
      const lic = node.licensing.license?.payload;
      const state = node.licensing.licenseState();
      return {
        license: {
          state: state.state,
          detail: state.detail,
          ...(lic
            ? {
                id: lic.id,
                customer: lic.customer,
                scope: lic.scope,
                term: lic.term,
                notAfter: lic.notAfter,
                developer: lic.developer ?? null,
                keySource: lic.keySource,
              }
            : {}),
        },
        // Why this node's parent blocks it (its allocation is withdrawn), or null.
        blockedByParent: node.licensing.blockedByParent,
        hardwareKey: {
          key: node.licensing.options.hardwareKey.key,
          source: node.licensing.options.hardwareKey.source,
          trusted: node.licensing.options.hardwareKey.trusted,
          ...node.licensing.hardwareKeyPresence,
        },
        nonProduction: node.licensing.nonProduction,
        entitlements: licenseSnapshot(node.licensing, node.pools).entitlements,
        store: node.store.kind,
        time: node.clock.now(),
      };
    },
  );

  app.get(
    '/v1/catalog',
    {
      config: { roles: ['app', 'admin'] },
      schema: { summary: 'Modules known to this node', tags: ['modules'], response: { 200: CatalogAnswer } },
    },
    async () => ({
      modules: [...node.licensing.catalog.modules.values()],
    }),
  );

  app.get(
    '/v1/license',
    {
      config: { roles: ['admin'] },
      schema: { summary: 'The installed license', tags: ['license'], response: { 200: LicenseAnswer } },
    },
    async () => {
      const installed = node.licensing.license;
      return {
        state: node.licensing.licenseState(),
        license: installed ? installed.payload : null,
        installedAt: installed?.installedAt ?? null,
      };
    },
  );

  app.put<{ Body: { license: string } }>(
    '/v1/license',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: "Install a license file: verified against the issuer key and this node's hardware key",
        tags: ['license'],
        body: LicenseInstallBody,
        response: { 200: LicenseInstallAnswer, ...errors(409, 422) },
      },
    },
    async (req) => {
      const installed = unwrap(await node.installer.installLicense(req.body.license, auditActor(req)));
      return { installed: true as const, license: installed.payload, state: node.licensing.licenseState() };
    },
  );
}
