// Records the store contract suites write: leases, members, events, commit batches, audit entries.
import type { Lease, Member } from '@licensor/core';
import type { CommitBatch, NewAuditRecord, NewEvent } from '../../src/store/store.js';

export const lease = (moduleId: number, holderId: string, at: number, over: Partial<Lease> = {}): Lease => ({
  moduleId,
  holderId,
  leaseId: `lse_${holderId}`,
  sessionId: null,
  acquiredAt: at,
  lastHeartbeatAt: at,
  lastActivityAt: at,
  expiresAt: at + 30_000,
  ...over,
});
export const member = (moduleId: number, memberId: string, seq: number, over: Partial<Member> = {}): Member => ({
  moduleId,
  memberId,
  seq,
  firstConnectedAt: 1000 + seq,
  lastSeenAt: 2000 + seq,
  state: 'active',
  blockedReason: null,
  features: [2101],
  missingFeatures: [],
  ...over,
});
export const event = (type: string, moduleId: number | null, subject: string, at = 5000): NewEvent => ({
  type,
  moduleId,
  subject,
  data: { n: subject },
  at,
});
export const batch = (over: Partial<CommitBatch>): CommitBatch => ({
  changes: [],
  events: [],
  idempotency: [],
  audit: [],
  ...over,
});
export const audit = (id: string, action: NewAuditRecord['action'] = 'token.created'): NewAuditRecord => ({
  id,
  at: 7000,
  actor: { tokenId: 'tok_1', name: 'ops' },
  action,
  target: 'tok_x',
  details: { k: id },
});
