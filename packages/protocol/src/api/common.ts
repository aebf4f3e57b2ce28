import { type TSchema, Type } from '@sinclair/typebox';
import { ID_MAX_LENGTH, ID_PATTERN } from '../id-rule.js';

/** Objects whose every field is declared: an answer or a request with any other field is refused. */
export const closed = { additionalProperties: false } as const;

/** `T | null`. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A module ID. */
export const ModuleId = Type.Integer({ minimum: 1, maximum: 2147483647 });

/** An identifier under the one id rule (id-rule.ts): holders, members, nodes, tokens, accounts, webhooks. */
export const Id = Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH, pattern: ID_PATTERN });

/** An opaque identifier chosen by the application (device id, instance id, register id). */
export const HolderId = Id;

/** A lease id as the node issued it. */
export const LeaseId = Type.String({ minLength: 1, maxLength: 100 });

/** Features of a profile: module IDs. */
export const Features = Type.Array(ModuleId, { maxItems: 200 });

/** A quota operation name. */
export const OperationName = Type.String({ minLength: 1, maxLength: 100 });

/** A time as ms since the epoch. */
export const EpochMs = Type.Integer();

/** A quantity; null = unlimited. */
export const Quantity = Nullable(Type.Integer());

/** Comma-separated event types (`slot.acquired,slot.evicted`): past-tense dotted names, so a word that is no event type is refused. */
export const EVENT_TYPES_PATTERN = '^ *[a-z_]+(\\.[a-z_]+)+ *(, *[a-z_]+(\\.[a-z_]+)+ *)*$';

/** An event-type filter. */
export const EventTypes = Type.String({
  maxLength: 500,
  pattern: EVENT_TYPES_PATTERN,
  description: 'comma-separated event types, e.g. slot.acquired,slot.evicted',
});

/** A module ID path parameter. */
export const ModuleParams = Type.Object({ moduleId: ModuleId });

/** Module + holder path parameters. */
export const HolderParams = Type.Object({ moduleId: ModuleId, holderId: HolderId });

/** Module + member path parameters. */
export const MemberParams = Type.Object({ moduleId: ModuleId, memberId: HolderId });

/** An `{id}` path parameter. */
export const IdParams = Type.Object({ id: Id });

/** A quantity of one module (null = unlimited). */
export const EntitlementSchema = Type.Object({ moduleId: Type.Integer(), quantity: Quantity }, closed);
