-- Hardening of sign-in and sign-up.
--
-- Expired sessions are purged in batches by every API process on a timer (src/auth/housekeeping.ts); before,
-- they were deleted only when someone signed in, by a statement that scanned the whole table.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Attempt counters behind the sign-in and sign-up throttles (src/auth/throttle.ts): one row per throttled key
-- (a sign-in email, a client address). They live here rather than in process memory because any number of API
-- processes may serve the same users behind a load balancer: a per-process counter would give an attacker one
-- budget per process, and the row lock is what makes a parallel burst count like the same attempts in sequence.
-- key_hash is the SHA-256 of the lower-cased email or of the address, so no email or address is kept here.
-- UNLOGGED: every attempt, refused ones included, updates a counter, and a logged table would make each of
-- those commits wait for a WAL flush while holding the counter's lock (a burst of 200 then queues on 200
-- flushes). The price is that counters start from zero after a database crash or a failover, which a throttle
-- can afford.
CREATE UNLOGGED TABLE auth_throttles (
  scope text NOT NULL,
  key_hash text NOT NULL,
  -- Attempts reserved since window_started_at; reset when the window has passed.
  attempts integer NOT NULL,
  window_started_at timestamptz NOT NULL,
  -- The latest reservation or failed result; the back-off delay runs from here.
  last_attempt_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key_hash)
);
CREATE INDEX auth_throttles_last_attempt_idx ON auth_throttles (last_attempt_at);
