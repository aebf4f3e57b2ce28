import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Outcome } from '@licensor/protocol';
import type { OpContext } from '../node/admission.js';
import type { IdempotencyRecord, Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import { toProblem } from '../transport/error-mapping.js';

const KEY = /^[\x21-\x7e]{1,200}$/;

/** Idempotency keys whose first request is still running, per store: (token id, key) → settles when it answered. */
const inFlightByStore = new WeakMap<Store, Map<string, Promise<void>>>();

/**
 * Honours `Idempotency-Key` on mutating calls: the first answer is stored in the same transaction as the operation,
 * and a retry with the same key and body gets that answer again without repeating the operation.
 */
export async function idempotencyHook(store: Store, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  req.idem = null;
  const key = req.headers['idempotency-key'];
  if (key === undefined || req.method === 'GET' || !req.token) return;
  if (typeof key !== 'string' || !KEY.test(key)) {
    reply.code(400).type('application/problem+json');
    await reply.send(
      toProblem(
        {
          code: 'VALIDATION_FAILED',
          message: 'Idempotency-Key must be 1–200 printable ASCII characters',
          field: 'Idempotency-Key',
        },
        req.id,
      ),
    );
    return;
  }
  const fingerprint = createHash('sha256')
    .update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`)
    .digest('hex');
  // Requests with the same key run one at a time: a second one waits for the first answer, then replays it (or is
  // refused for another body). Without this, concurrent retries all passed the store check and all ran.
  let inflight = inFlightByStore.get(store);
  if (!inflight) {
    inflight = new Map();
    inFlightByStore.set(store, inflight);
  }
  const slot = `${req.token.id}\n${key}`;
  let seen: IdempotencyRecord | null;
  for (;;) {
    const pending = inflight.get(slot);
    if (pending) {
      await pending;
      continue;
    }
    seen = await store.getIdempotency(req.token.id, key);
    if (!seen && inflight.has(slot)) continue;
    break;
  }
  if (seen) {
    if (seen.fingerprint !== fingerprint) {
      reply.code(422).type('application/problem+json');
      await reply.send(
        toProblem(
          {
            code: 'IDEMPOTENCY_KEY_REUSED',
            message: 'this Idempotency-Key was used with a different request',
            field: 'Idempotency-Key',
          },
          req.id,
        ),
      );
      return;
    }
    reply
      .code(seen.status)
      .header('idempotent-replayed', 'true')
      .type(seen.status >= 400 ? 'application/problem+json' : 'application/json');
    await reply.send(seen.body);
    return;
  }
  const map = inflight;
  let done!: () => void;
  const mine = new Promise<void>((r) => {
    done = r;
  });
  map.set(slot, mine);
  const release = () => {
    if (map.get(slot) !== mine) return;
    map.delete(slot);
    done();
  };
  // The answer is recorded before it is sent, so waiters find it in the store once this response is out.
  reply.raw.once('finish', release);
  reply.raw.once('close', release);
  req.idem = { tokenId: req.token.id, key, fingerprint };
}

/** The operation context of a route: records the idempotent answer (status and body exactly as sent). */
export function opContext<T>(
  clock: Clock,
  req: FastifyRequest,
  successStatus: (v: T) => number,
  view: (v: T) => unknown,
): OpContext {
  const idem = req.idem;
  if (!idem) return {};
  return {
    idempotency: (outcome: Outcome<unknown>) => {
      req.idemRecorded = true;
      const o = outcome as Outcome<T>;
      const status = o.ok ? successStatus(o.value) : toProblem(o).status;
      const body = o.ok ? JSON.stringify(view(o.value)) : JSON.stringify(toProblem(o, req.id));
      return { ...idem, status, body, createdAt: clock.now() };
    },
  };
}
