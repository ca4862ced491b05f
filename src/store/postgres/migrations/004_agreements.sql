-- Equivalent to src/store/sqlite/migrations/004_agreements.sql.

-- Agreements: every revision of the whole agreement document, append-only; the latest is in force.
CREATE TABLE agreements (
  revision integer PRIMARY KEY,
  agreement_id text COLLATE "C" NOT NULL,
  stored_at text NOT NULL,
  stored_by text NOT NULL,
  reason text NOT NULL,
  -- JSON text, exactly as serialised (like observations.doc).
  doc text NOT NULL
);

-- Judgements: what the rules engine said of an observation under a revision, append-only. The
-- latest per observation (judged_at, then id) counts. provisions and zones: space-separated ids.
CREATE TABLE judgements (
  id text COLLATE "C" PRIMARY KEY,
  observation_id text COLLATE "C" NOT NULL REFERENCES observations(id),
  agreement_id text COLLATE "C" NOT NULL,
  agreement_revision integer NOT NULL,
  judged_at text COLLATE "C" NOT NULL,
  breach boolean NOT NULL,
  provisions text NOT NULL,
  zones text NOT NULL,
  doc text
);
CREATE INDEX judgements_observation ON judgements (observation_id, judged_at);

-- Projection of the latest judgement per observation, for the breach/provision/zone filters.
CREATE TABLE judgement_latest (
  observation_id text COLLATE "C" PRIMARY KEY REFERENCES observations(id),
  judgement_id text COLLATE "C" NOT NULL,
  judged_at text COLLATE "C" NOT NULL,
  breach boolean NOT NULL
);

-- The provisions breached (role 'breach') and zones entered (role 'zone') by that judgement.
CREATE TABLE judgement_marks (
  observation_id text COLLATE "C" NOT NULL REFERENCES observations(id),
  role text NOT NULL,
  provision text COLLATE "C" NOT NULL,
  PRIMARY KEY (observation_id, role, provision)
);
CREATE INDEX judgement_marks_provision ON judgement_marks (role, provision, observation_id);
