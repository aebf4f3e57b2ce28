import {
  AllocationBody,
  AllocationDocumentAnswer,
  NodeForgotten,
  NodeParams,
  NodesAnswer,
  NodeView,
  SyncAnswer,
  SyncBody,
  UpstreamAllocationBody,
  UpstreamAnswer,
  UpstreamInstallAnswer,
} from '@licensor/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import type { HierarchyService } from '../../hierarchy/hierarchy-service.js';
import type { SyncRequest } from '../../hierarchy/sync-messages.js';
import type { UpstreamSync } from '../../hierarchy/upstream-sync.js';
import { HttpFailure } from '../../transport/error-mapping.js';
import { auditActor, unwrap } from '../request-context.js';
import { checkTreeSize } from '../check-tree-size.js';
import { errors } from '../../transport/schemas.js';

/** The enterprise tree: child nodes sync here, admins see the tree and set allocations; a child shows its upstream. */
export function nodeRoutes(app: FastifyInstance, hierarchy: HierarchyService, upstream: UpstreamSync | null): void {
  app.post<{ Body: SyncRequest }>(
    '/v1/nodes/sync',
    {
      config: { roles: ['node', 'admin'] },
      // A node high in a big tree reports every node below it.
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        summary: 'A child node syncs: registers on first contact, reports usage, receives its allocation document',
        tags: ['hierarchy'],
        body: SyncBody,
        response: { 200: SyncAnswer, ...errors(409) },
      },
    },
    async (req) => {
      // Everything about the message is checked before the sync writes anything.
      checkTreeSize(req.body.children);
      return unwrap(await hierarchy.sync(req.body, req.token as { id: string; role: string }));
    },
  );

  app.get(
    '/v1/nodes',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'The tree below this node: children, their allocations, sync state and usage',
        tags: ['hierarchy'],
        response: { 200: NodesAnswer },
      },
    },
    async () => {
      await hierarchy.refresh();
      return hierarchy.list();
    },
  );

  app.get<{ Params: { nodeId: string } }>(
    '/v1/nodes/:nodeId',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'One child node',
        tags: ['hierarchy'],
        params: NodeParams,
        response: { 200: NodeView, ...errors(404) },
      },
    },
    async (req) => {
      await hierarchy.refresh();
      return unwrap(hierarchy.get(req.params.nodeId));
    },
  );

  app.put<{ Params: { nodeId: string }; Body: { modules: Record<string, number> } }>(
    '/v1/nodes/:nodeId/allocation',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: "Set a child's module quantities (the sum over children never exceeds what this node holds)",
        tags: ['hierarchy'],
        params: NodeParams,
        body: AllocationBody,
        response: { 200: NodeView, ...errors(404, 409) },
      },
    },
    async (req) => unwrap(await hierarchy.allocate(req.params.nodeId, req.body.modules, auditActor(req))),
  );

  app.get<{ Params: { nodeId: string } }>(
    '/v1/nodes/:nodeId/allocation-document',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'A fresh signed allocation document for a child (to install by hand where there is no link)',
        tags: ['hierarchy'],
        params: NodeParams,
        response: { 200: AllocationDocumentAnswer, ...errors(404, 409) },
      },
    },
    async (req) => unwrap(await hierarchy.exportDocument(req.params.nodeId)),
  );

  app.delete<{ Params: { nodeId: string } }>(
    '/v1/nodes/:nodeId',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Forget a child node: its allocation returns here, its place in the counting pool frees',
        tags: ['hierarchy'],
        params: NodeParams,
        response: { 200: NodeForgotten, ...errors(404) },
      },
    },
    async (req) => unwrap(await hierarchy.forget(req.params.nodeId, auditActor(req))),
  );

  app.get(
    '/v1/upstream',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: "This node's link to its parent (when started with --upstream)",
        tags: ['hierarchy'],
        response: { 200: UpstreamAnswer, ...errors(404) },
      },
    },
    async () => {
      if (!upstream)
        throw new HttpFailure({
          code: 'NOT_FOUND',
          message: 'this node has no parent: it was not started with --upstream',
        });
      return upstream.state;
    },
  );

  app.put<{ Body: { allocation: string } }>(
    '/v1/upstream/allocation',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Install an allocation document by hand (a site without a link to its parent)',
        tags: ['hierarchy'],
        body: UpstreamAllocationBody,
        response: { 200: UpstreamInstallAnswer, ...errors(404, 409, 422) },
      },
    },
    async (req) => {
      if (!upstream)
        throw new HttpFailure({
          code: 'NOT_FOUND',
          message: 'this node has no parent: start it with --upstream to take allocations',
          field: 'allocation',
        });
      const taken = unwrap(await upstream.take(req.body.allocation, auditActor(req)));
      return { installed: true as const, allocation: taken, state: upstream.state };
    },
  );
}
