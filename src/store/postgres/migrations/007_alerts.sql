-- Equivalent to src/store/sqlite/migrations/007_alerts.sql.

-- Guarantee triggers (issue 6): the criteria in force, the alerts they raise, and each guarantor
-- nation's acknowledgement. Instants are epoch milliseconds, compared in SQL (deadlines, windows).

-- Every revision of the criteria document, append-only; the latest is in force.
CREATE TABLE trigger_criteria (
  revision integer PRIMARY KEY,
  stored_at text NOT NULL,
  stored_by text NOT NULL,
  reason text NOT NULL,
  doc text NOT NULL
);

-- The id is derived from (criterion_id, trigger_key) the same way in every process, so raising
-- the same alert twice inserts it once; the unique pair says so in the schema as well.
CREATE TABLE alerts (
  id text COLLATE "C" PRIMARY KEY,
  criterion_id text NOT NULL,
  criterion_kind text NOT NULL,
  criterion_name text NOT NULL,
  trigger_key text NOT NULL,
  coalesce_key text NOT NULL,
  sector text,
  state text NOT NULL CHECK (state IN ('open', 'acknowledged', 'escalated')),
  raised_at_ms bigint NOT NULL,
  escalate_at_ms bigint NOT NULL,
  escalated_at_ms bigint,
  acknowledged_at_ms bigint,
  updated_at_ms bigint NOT NULL,
  first_observed_ms bigint NOT NULL,
  last_observed_ms bigint NOT NULL,
  coalesce_ms bigint NOT NULL,
  coalesce_until_ms bigint NOT NULL,
  observation_count bigint NOT NULL,
  summary text NOT NULL,
  releasability text NOT NULL,
  required_nations text NOT NULL,
  detail text NOT NULL,
  UNIQUE (criterion_id, trigger_key)
);
CREATE INDEX alerts_coalesce ON alerts(coalesce_key, state);
CREATE INDEX alerts_due ON alerts(state, escalate_at_ms);
CREATE INDEX alerts_recent ON alerts(raised_at_ms, id);

CREATE TABLE alert_observations (
  alert_id text COLLATE "C" NOT NULL REFERENCES alerts(id),
  observation_id text NOT NULL,
  pos bigint NOT NULL,
  PRIMARY KEY (alert_id, observation_id)
);
CREATE INDEX alert_observations_pos ON alert_observations(alert_id, pos);

-- One acknowledgement per nation and alert: a second one is the same acknowledgement.
CREATE TABLE alert_acks (
  alert_id text COLLATE "C" NOT NULL REFERENCES alerts(id),
  nation text NOT NULL,
  acked_by text NOT NULL,
  user_id text,
  at_ms bigint NOT NULL,
  note text,
  PRIMARY KEY (alert_id, nation)
);
