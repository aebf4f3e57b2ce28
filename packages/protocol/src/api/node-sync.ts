import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { closed, Id, ModuleId } from './common.js';

/** Levels of subtree a child may report below itself (a tree deeper than this is refused whole). */
export const MAX_TREE_DEPTH = 8;
/** Nodes a child may report in its whole subtree, over every level. */
export const MAX_TREE_NODES = 10_000;
/** Usage lines per node: one per licensed module. */
const MAX_USAGE_LINES = 1_000;

const HardwareKey = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'the 64-hex hardware key; identifies a node across syncs',
});
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Time = Type.String({ minLength: 1, maxLength: 40 });
const UsageLine = Type.Object(
  {
    moduleId: ModuleId,
    quantity: Type.Union([Type.Integer({ minimum: 0, maximum: 2147483647 }), Type.Null()]),
    used: Type.Integer({ minimum: 0, maximum: 2147483647 }),
    blocked: Type.Integer({ minimum: 0, maximum: 2147483647 }),
  },
  closed,
);
const Usage = Type.Array(UsageLine, { maxItems: MAX_USAGE_LINES });
const Quantities = Type.Record(
  Type.String({ pattern: '^[1-9][0-9]{0,9}$' }),
  Type.Integer({ minimum: 0, maximum: 2147483647 }),
  { maxProperties: MAX_USAGE_LINES },
);

/** A reported node (GET /v1/nodes item) with at most `depth` levels of children below it: no field of any size or nesting. */
function reportedNode(depth: number): TObject {
  const children: TSchema =
    depth > 0
      ? Type.Array(reportedNode(depth - 1), { maxItems: MAX_TREE_NODES })
      : Type.Array(Type.Never(), { maxItems: 0 });
  return Type.Object(
    {
      id: Id,
      name: Name,
      hardwareKey: HardwareKey,
      countedAs: Type.Union([ModuleId, Type.Null()]),
      state: Type.Union([Type.Literal('active'), Type.Literal('blocked'), Type.Literal('unlicensed')]),
      message: Type.String({ maxLength: 1000 }),
      licenseState: Type.Union([Type.String({ maxLength: 40 }), Type.Null()]),
      licenseSummary: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
      registeredAt: Time,
      lastSyncAt: Time,
      online: Type.Boolean(),
      allocation: Type.Union([
        Type.Object(
          { seq: Type.Integer({ minimum: 0 }), modules: Quantities, updatedAt: Type.Union([Time, Type.Null()]) },
          closed,
        ),
        Type.Null(),
      ]),
      usage: Usage,
      children,
    },
    closed,
  );
}

/** What a child sends on `POST /v1/nodes/sync`: every field bounded in size, its subtree in depth and in count. */
export const SyncBody = Type.Object(
  {
    hardwareKey: HardwareKey,
    name: Name,
    countedAs: Type.Union([ModuleId, Type.Null()], {
      description:
        'accepted for compatibility and ignored: the parent counts every child in the child-node module it holds',
    }),
    publicKey: Type.String({ minLength: 1, maxLength: 200 }),
    allocationSeq: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    licenseState: Type.String({ maxLength: 40 }),
    usage: Usage,
    children: Type.Array(reportedNode(MAX_TREE_DEPTH - 1), {
      maxItems: MAX_TREE_NODES,
      description: `the child's own subtree, as its GET /v1/nodes items (at most ${MAX_TREE_DEPTH} levels, ${MAX_TREE_NODES} nodes)`,
    }),
  },
  closed,
);
/** What a child sends on `POST /v1/nodes/sync`. */
export type SyncBody = Static<typeof SyncBody>;

/** The parent's answer to a sync: the child's state, when to sync next, its allocation document and license file. */
export const SyncAnswer = Type.Object(
  {
    nodeId: Type.String(),
    state: Type.Union([Type.Literal('active'), Type.Literal('blocked'), Type.Literal('unlicensed')]),
    message: Type.String(),
    syncIntervalMs: Type.Integer(),
    allocation: Type.Union([Type.String(), Type.Null()]),
    parent: Type.Object({ nodeId: Type.String(), publicKey: Type.String() }, closed),
    license: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  closed,
);
/** The parent's answer to a sync. */
export type SyncAnswer = Static<typeof SyncAnswer>;
