-- Guarantee triggers (issue 6): the criteria in force, the alerts they raise, and each guarantor
-- nation's acknowledgement. Instants are epoch milliseconds, compared in SQL (deadlines, windows).

-- Every revision of the criteria document, append-only; the latest is in force.
CREATE TABLE trigger_criteria (
  revision INTEGER PRIMARY KEY,
  stored_at TEXT NOT NULL,
  stored_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  doc TEXT NOT NULL
);

-- The id is derived from (criterion_id, trigger_key) the same way in every process, so raising
-- the same alert twice inserts it once; the unique pair says so in the schema as well.
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  criterion_id TEXT NOT NULL,
  criterion_kind TEXT NOT NULL,
  criterion_name TEXT NOT NULL,
  trigger_key TEXT NOT NULL,
  coalesce_key TEXT NOT NULL,
  sector TEXT,
  state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'escalated')),
  raised_at_ms INTEGER NOT NULL,
  escalate_at_ms INTEGER NOT NULL,
  escalated_at_ms INTEGER,
  acknowledged_at_ms INTEGER,
  updated_at_ms INTEGER NOT NULL,
  first_observed_ms INTEGER NOT NULL,
  last_observed_ms INTEGER NOT NULL,
  coalesce_ms INTEGER NOT NULL,
  coalesce_until_ms INTEGER NOT NULL,
  observation_count INTEGER NOT NULL,
  summary TEXT NOT NULL,
  releasability TEXT NOT NULL,
  required_nations TEXT NOT NULL,
  detail TEXT NOT NULL,
  UNIQUE (criterion_id, trigger_key)
);
CREATE INDEX alerts_coalesce ON alerts(coalesce_key, state);
CREATE INDEX alerts_due ON alerts(state, escalate_at_ms);
CREATE INDEX alerts_recent ON alerts(raised_at_ms, id);

CREATE TABLE alert_observations (
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  observation_id TEXT NOT NULL,
  pos INTEGER NOT NULL,
  PRIMARY KEY (alert_id, observation_id)
) WITHOUT ROWID;
CREATE INDEX alert_observations_pos ON alert_observations(alert_id, pos);

-- One acknowledgement per nation and alert: a second one is the same acknowledgement.
CREATE TABLE alert_acks (
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  nation TEXT NOT NULL,
  acked_by TEXT NOT NULL,
  user_id TEXT,
  at_ms INTEGER NOT NULL,
  note TEXT,
  PRIMARY KEY (alert_id, nation)
) WITHOUT ROWID;
