import type { Lease, Member, QuotaReport } from '@licensor/core';
import { type AuditRecord, eventId, type IdempotencyRecord, type StoredEvent, type TokenRecord } from './store.js';

/** A row as either store returns it: the same column names; numbers as numbers (pg parses BIGINT, see postgres/postgres-connection.ts). */
export type Row = Record<string, unknown>;

/** A leases row as a Lease. */
export function toLease(r: Row): Lease {
  return {
    moduleId: r.module_id as number,
    holderId: r.holder_id as string,
    leaseId: r.lease_id as string,
    sessionId: (r.session_id as string | null) ?? null,
    acquiredAt: r.acquired_at as number,
    lastHeartbeatAt: r.last_heartbeat_at as number,
    lastActivityAt: r.last_activity_at as number,
    expiresAt: r.expires_at as number,
  };
}

/** A members row as a Member. */
export function toMember(r: Row): Member {
  return {
    moduleId: r.module_id as number,
    memberId: r.member_id as string,
    seq: r.seq as number,
    firstConnectedAt: r.first_connected_at as number,
    lastSeenAt: r.last_seen_at as number,
    state: r.state as Member['state'],
    blockedReason: (r.blocked_reason as Member['blockedReason']) ?? (r.state === 'blocked' ? 'beyond_quantity' : null),
    features: JSON.parse(r.features as string) as number[],
    missingFeatures: JSON.parse((r.missing_features as string | null) ?? '[]') as number[],
  };
}

/** A quotas row as a QuotaReport. */
export function toQuota(r: Row): QuotaReport {
  return {
    moduleId: r.module_id as number,
    count: r.count as number,
    reportedAt: r.reported_at as number,
    state: r.state as QuotaReport['state'],
  };
}

/** An events row as a StoredEvent. */
export function toEvent(r: Row): StoredEvent {
  return {
    seq: r.seq as number,
    id: eventId(r.seq as number),
    type: r.type as string,
    moduleId: (r.module_id as number | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    data: r.data ? (JSON.parse(r.data as string) as Record<string, unknown>) : null,
    at: r.at as number,
  };
}

/** An audit row as an AuditRecord. */
export function toAudit(r: Row): AuditRecord {
  return {
    seq: r.seq as number,
    id: r.id as string,
    at: r.at as number,
    actor: { tokenId: (r.actor_token_id as string | null) ?? null, name: r.actor_name as string },
    action: r.action as AuditRecord['action'],
    target: (r.target as string | null) ?? null,
    details: r.details ? (JSON.parse(r.details as string) as Record<string, unknown>) : null,
  };
}

/** A tokens row as a TokenRecord. */
export function toToken(r: Row): TokenRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    role: r.role as TokenRecord['role'],
    hash: r.hash as string,
    createdAt: r.created_at as number,
    revokedAt: (r.revoked_at as number | null) ?? null,
  };
}

/** An idempotency row as an IdempotencyRecord. */
export function toIdempotency(r: Row): IdempotencyRecord {
  return {
    tokenId: r.token_id as string,
    key: r.key as string,
    fingerprint: r.fingerprint as string,
    status: r.status as number,
    body: r.body as string,
    createdAt: r.created_at as number,
  };
}
