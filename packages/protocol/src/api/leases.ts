import { type Static, Type } from '@sinclair/typebox';
import { closed, EpochMs, HolderId, LeaseId } from './common.js';

/** Body of `POST /v1/modules/{moduleId}/leases` (and the session's `acquire`). */
export const AcquireBody = Type.Object({ holderId: HolderId }, closed);
/** Body of a heartbeat. */
export const HeartbeatBody = Type.Object(
  { leaseId: Type.Optional(LeaseId), active: Type.Optional(Type.Boolean()) },
  closed,
);
/** Query of a release. */
export const ReleaseQuery = Type.Object({ leaseId: Type.Optional(LeaseId) }, closed);

/** A lease as the node reports it. Times are ms since the epoch; `heartbeatIntervalMs`: heartbeat at least this often. */
export const LeaseView = Type.Object(
  {
    moduleId: Type.Integer(),
    holderId: Type.String(),
    leaseId: Type.String(),
    acquiredAt: EpochMs,
    expiresAt: EpochMs,
    heartbeatIntervalMs: Type.Integer(),
    reacquired: Type.Boolean(),
    nonProduction: Type.Optional(Type.Boolean()),
  },
  closed,
);
/** A lease as the node reports it. */
export type LeaseView = Static<typeof LeaseView>;

/** Answer of an HTTP heartbeat: the new expiry and the node's current non-production flag. */
export const HeartbeatAnswer = Type.Object({ expiresAt: EpochMs, nonProduction: Type.Boolean() }, closed);
/** Answer of an HTTP heartbeat. */
export type HeartbeatAnswer = Static<typeof HeartbeatAnswer>;

/** Answer of a release or a force-release: false when there was nothing to release. */
export const ReleaseAnswer = Type.Object({ released: Type.Boolean() }, closed);
/** Answer of a release. */
export type ReleaseAnswer = Static<typeof ReleaseAnswer>;
