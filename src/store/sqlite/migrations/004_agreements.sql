-- Agreements: every revision of the whole agreement document, append-only; the latest is in force.
CREATE TABLE agreements (
  revision INTEGER PRIMARY KEY,
  agreement_id TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  stored_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  doc TEXT NOT NULL
);

-- Judgements: what the rules engine said of an observation under a revision, append-only. The
-- latest per observation (judged_at, then id) counts. provisions and zones: space-separated ids.
CREATE TABLE judgements (
  id TEXT PRIMARY KEY,
  observation_id TEXT NOT NULL REFERENCES observations(id),
  agreement_id TEXT NOT NULL,
  agreement_revision INTEGER NOT NULL,
  judged_at TEXT NOT NULL,
  breach INTEGER NOT NULL,
  provisions TEXT NOT NULL,
  zones TEXT NOT NULL,
  doc TEXT
);
CREATE INDEX judgements_observation ON judgements(observation_id, judged_at);

-- Projection of the latest judgement per observation, for the breach/provision/zone filters;
-- rebuilt from judgements if ever in doubt.
CREATE TABLE judgement_latest (
  observation_id TEXT PRIMARY KEY REFERENCES observations(id),
  judgement_id TEXT NOT NULL,
  judged_at TEXT NOT NULL,
  breach INTEGER NOT NULL
) WITHOUT ROWID;

-- The provisions breached (role 'breach') and zones entered (role 'zone') by that judgement.
CREATE TABLE judgement_marks (
  observation_id TEXT NOT NULL REFERENCES observations(id),
  role TEXT NOT NULL,
  provision TEXT NOT NULL,
  PRIMARY KEY (observation_id, role, provision)
) WITHOUT ROWID;
CREATE INDEX judgement_marks_provision ON judgement_marks(role, provision, observation_id);
