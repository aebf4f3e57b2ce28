import {
  CatalogAnswer,
  HealthAnswer,
  LicenseAnswer,
  LicenseInstallAnswer,
  LicenseInstallBody,
  ReadyAnswer,
  StatusAnswer,
} from '@licensor/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { LicensorNode } from '../../node/licensor-node.js';
import { licenseSnapshot } from '../../session/license-snapshot.js';
import { auditActor, unwrap } from '../request-context.js';
import { errors } from '../schemas.js';
import { StoreHealth } from '../store-health.js';

/** Health, readiness, status, catalog and license routes. */
export function systemRoutes(
  app: FastifyInstance,
  node: LicensorNode,
  health: StoreHealth = new StoreHealth(node),
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
      const lic = node.license?.payload;
      const state = node.licenseState();
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
        blockedByParent: node.blockedByParent,
        hardwareKey: {
          key: node.options.hardwareKey.key,
          source: node.options.hardwareKey.source,
          trusted: node.options.hardwareKey.trusted,
          ...node.hardwareKeyPresence,
        },
        nonProduction: node.nonProduction,
        entitlements: licenseSnapshot(node).entitlements,
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
      modules: [...node.catalog.modules.values()],
    }),
  );

  app.get(
    '/v1/license',
    {
      config: { roles: ['admin'] },
      schema: { summary: 'The installed license', tags: ['license'], response: { 200: LicenseAnswer } },
    },
    async () => {
      const installed = node.license;
      return {
        state: node.licenseState(),
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
      const installed = unwrap(await node.installLicense(req.body.license, auditActor(req)));
      return { installed: true as const, license: installed.payload, state: node.licenseState() };
    },
  );
}
