/**
 * The PostgreSQL function the hot commit calls: the fence, the lease rows and the events of a group in one statement
 * whose inner statements keep their plans for the life of the connection. Written as literal SQL, a group's statements
 * were parsed and planned at every commit (a third of PostgreSQL's CPU on the slot path); the call passes arrays.
 * Raises SQLSTATE LF001 when the fence does not hold (nothing is written).
 * Migration 10 sets `enable_seqscan = off` on it (see there). CREATE OR REPLACE resets a function's settings: a later
 * migration that runs this text again must set it again (the shared pool store contract checks it).
 */
export const WRITE_POOLS_FUNCTION = `
CREATE OR REPLACE FUNCTION licensor_write_pools(
  fence_ids int[], fence_epochs bigint[], fence_license bigint, check_fence boolean, fence_key int,
  put_module int[], put_holder text[], put_lease text[], put_session text[],
  put_acquired bigint[], put_heartbeat bigint[], put_activity bigint[], put_expires bigint[],
  del_module int[], del_holder text[],
  take_feed boolean, feed_key int, channel text, writer text,
  ev_type text[], ev_module int[], ev_subject text[], ev_data text[], ev_at bigint[]
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
  seqs bigint[] := '{}';
BEGIN
  IF check_fence THEN
    -- Shared locks a takeover waits for (it takes them exclusively to raise the epoch); the check below is a statement
    -- of its own, so its snapshot is taken after them and sees any epoch raised before them.
    PERFORM pg_advisory_xact_lock_shared(fence_key, m) FROM (SELECT unnest(fence_ids) AS m ORDER BY 1) ids;
    IF (SELECT count(*) FROM pool_owners
          WHERE (module_id, epoch) IN (SELECT * FROM unnest(fence_ids, fence_epochs))) <> cardinality(fence_ids)
       OR (SELECT installed_at FROM license WHERE slot = 1) IS DISTINCT FROM fence_license THEN
      RAISE EXCEPTION 'fence: a pool changed hands or the license changed' USING ERRCODE = 'LF001';
    END IF;
  END IF;
  IF cardinality(put_module) > 0 THEN
    INSERT INTO leases (module_id, holder_id, lease_id, session_id, acquired_at, last_heartbeat_at, last_activity_at, expires_at)
    SELECT * FROM unnest(put_module, put_holder, put_lease, put_session, put_acquired, put_heartbeat, put_activity, put_expires)
    ON CONFLICT (module_id, holder_id) DO UPDATE SET lease_id = excluded.lease_id, session_id = excluded.session_id,
      acquired_at = excluded.acquired_at, last_heartbeat_at = excluded.last_heartbeat_at,
      last_activity_at = excluded.last_activity_at, expires_at = excluded.expires_at;
  END IF;
  IF cardinality(del_module) > 0 THEN
    -- A join on the key, not IN (subquery): a generic plan of the latter scans the whole (churning) table.
    DELETE FROM leases l USING unnest(del_module, del_holder) AS d (m, h) WHERE l.module_id = d.m AND l.holder_id = d.h;
  END IF;
  IF take_feed THEN
    -- Its own statement: the inserts below take their snapshot after the lock, so MAX(seq) + n cannot collide.
    PERFORM pg_advisory_xact_lock(feed_key, 0), pg_notify(channel, writer);
  END IF;
  IF cardinality(ev_type) > 0 THEN
    WITH ins AS (
      INSERT INTO events (seq, type, module_id, subject, data, at)
      SELECT (SELECT COALESCE(MAX(seq), 0) FROM events) + o, t, m, s, d, a
      FROM unnest(ev_type, ev_module, ev_subject, ev_data, ev_at) WITH ORDINALITY AS x (t, m, s, d, a, o)
      RETURNING seq)
    SELECT array_agg(seq ORDER BY seq) INTO seqs FROM ins;
  END IF;
  RETURN seqs;
END
$fn$`;

/** SQLSTATE of the fence's refusal. */
export const FENCE_FAILED = 'LF001';
