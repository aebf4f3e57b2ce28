import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { closed, EntitlementSchema, Id, Nullable, Quantity } from './common.js';
import { MAX_TREE_DEPTH } from './node-sync.js';

/** The `{nodeId}` path parameter. */
export const NodeParams = Type.Object({ nodeId: Id });

/** Body of `PUT /v1/nodes/{nodeId}/allocation`. */
export const AllocationBody = Type.Object(
  {
    modules: Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Integer({ minimum: 0 }), {
      description: 'module ID → quantity; 0 takes the module away',
    }),
  },
  closed,
);

/** One module's use on a node. */
const UsageLineView = Type.Object(
  { moduleId: Type.Integer(), quantity: Quantity, used: Type.Integer(), blocked: Type.Integer() },
  closed,
);

const nodeFields = {
  id: Type.String(),
  name: Type.String(),
  hardwareKey: Type.String(),
  countedAs: Nullable(Type.Integer()),
  state: Type.Union([Type.Literal('active'), Type.Literal('blocked'), Type.Literal('unlicensed')]),
  message: Type.String(),
  licenseState: Nullable(Type.String()),
  licenseSummary: Type.Optional(Nullable(Type.String())),
  registeredAt: Type.String(),
  lastSyncAt: Type.String(),
  online: Type.Boolean(),
  allocation: Nullable(
    Type.Object(
      { seq: Type.Integer(), modules: Type.Record(Type.String(), Type.Integer()), updatedAt: Nullable(Type.String()) },
      closed,
    ),
  ),
  usage: Type.Array(UsageLineView),
};
const NodeFields = Type.Object(nodeFields, closed);

/** A node of the tree with `depth` typed levels of children below it (deeper ones are shown as reported). */
function nodeView(depth: number): TObject {
  const children: TSchema = depth > 0 ? nodeView(depth - 1) : Type.Record(Type.String(), Type.Unknown());
  return Type.Object({ ...nodeFields, children: Type.Array(children) }, closed);
}

/** A node of the enterprise tree as an admin sees it: sync state, allocation, usage and its own children. */
export const NodeView = nodeView(MAX_TREE_DEPTH);
/** A node of the enterprise tree as an admin sees it (children typed like their parent). */
export interface NodeView extends Static<typeof NodeFields> {
  children: NodeView[];
}

/** `GET /v1/nodes`: what this node holds, what it allocated, and its children. */
export const NodesAnswer = Type.Object(
  {
    nodeId: Type.String(),
    publicKey: Type.String(),
    distributable: Type.Boolean(),
    distributableDetail: Type.String(),
    held: Type.Record(Type.String(), Quantity),
    allocated: Type.Record(Type.String(), Type.Integer()),
    items: Type.Array(NodeView),
  },
  closed,
);
/** `GET /v1/nodes`. */
export interface NodesAnswer extends Omit<Static<typeof NodesAnswer>, 'items'> {
  items: NodeView[];
}

/** `GET /v1/nodes/{nodeId}/allocation-document`: a fresh signed document to install by hand. */
export const AllocationDocumentAnswer = Type.Object({ allocation: Type.String(), seq: Type.Integer() }, closed);
/** `GET /v1/nodes/{nodeId}/allocation-document`. */
export type AllocationDocument = Static<typeof AllocationDocumentAnswer>;

/** `DELETE /v1/nodes/{nodeId}`. */
export const NodeForgotten = Type.Object({ id: Type.String(), forgotten: Type.Literal(true) }, closed);

/** An allocation document's signed content (allocation-payload.ts). */
export const AllocationPayloadSchema = Type.Object(
  {
    v: Type.Integer(),
    kind: Type.Literal('allocation'),
    id: Type.String(),
    seq: Type.Integer(),
    parent: Type.Object({ nodeId: Type.String(), hardwareKey: Type.String(), publicKey: Type.String() }, closed),
    child: Type.Object({ nodeId: Type.String(), hardwareKey: Type.String() }, closed),
    customer: Type.Object({ id: Type.String(), name: Type.String() }, closed),
    entitlements: Type.Array(EntitlementSchema),
    issuedAt: Type.String(),
    notBefore: Type.String(),
    notAfter: Type.String(),
    source: Type.String(),
  },
  closed,
);

/** `GET /v1/upstream`: this node's link to its parent. */
export const UpstreamAnswer = Type.Object(
  {
    url: Type.String(),
    nodeId: Nullable(Type.String()),
    parentNodeId: Nullable(Type.String()),
    state: Type.Union([
      Type.Literal('connecting'),
      Type.Literal('active'),
      Type.Literal('blocked'),
      Type.Literal('unlicensed'),
      Type.Literal('unreachable'),
      Type.Literal('refused'),
    ]),
    message: Type.String(),
    lastSyncAt: Nullable(Type.String()),
    lastAttemptAt: Nullable(Type.String()),
    lastError: Nullable(Type.String()),
    syncIntervalMs: Type.Integer(),
    allocation: Nullable(
      Type.Object(
        {
          id: Type.String(),
          seq: Type.Integer(),
          entitlements: Type.Array(EntitlementSchema),
          notAfter: Type.String(),
        },
        closed,
      ),
    ),
  },
  closed,
);
/** `GET /v1/upstream`. */
export type UpstreamAnswer = Static<typeof UpstreamAnswer>;

/** Body of `PUT /v1/upstream/allocation`. */
export const UpstreamAllocationBody = Type.Object(
  { allocation: Type.String({ minLength: 1, maxLength: 1024 * 1024 }) },
  closed,
);

/** `PUT /v1/upstream/allocation`: the document taken and the link's state after it. */
export const UpstreamInstallAnswer = Type.Object(
  { installed: Type.Literal(true), allocation: AllocationPayloadSchema, state: UpstreamAnswer },
  closed,
);
/** `PUT /v1/upstream/allocation`. */
export type UpstreamInstallAnswer = Static<typeof UpstreamInstallAnswer>;
