-- Verification (issue 7): incidents, their observations, allegations, and every decision.

-- The row is the incident's current state. `summary` (JSON text) is what its observations add up
-- to (src/domain/incident.ts IncidentSummary); the columns beside it repeat what queries filter
-- and sort on. `version` goes up by one per change: a transition applies only to the version it
-- was decided on.
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  sector TEXT,
  releasability TEXT NOT NULL,
  first_ms INTEGER NOT NULL,
  last_ms INTEGER NOT NULL,
  -- NULL: nothing says where (an allegation without a place).
  min_lon REAL,
  min_lat REAL,
  max_lon REAL,
  max_lat REAL,
  centroid_lon REAL,
  centroid_lat REAL,
  observation_count INTEGER NOT NULL,
  events INTEGER NOT NULL,
  allegation_count INTEGER NOT NULL,
  summary TEXT NOT NULL,
  -- The assessment in force (JSON text), NULL before findings are drafted.
  assessment TEXT,
  merged_into TEXT,
  merged_from TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX incidents_first ON incidents(first_ms, id);
CREATE INDEX incidents_state ON incidents(state, first_ms);
CREATE INDEX incidents_sector ON incidents(sector, first_ms);
CREATE INDEX incidents_last ON incidents(last_ms);
CREATE INDEX incidents_updated ON incidents(updated_ms, id);

-- Which incident each observation belongs to: one at most (the primary key), so two processes
-- fusing the same observation store it once. Where and when it was is repeated here, so that
-- fusion reloads recent incidents without reading the observations. Who put it there and why:
-- `system:fusion` with no reason, or the analyst of a merge or split with theirs.
CREATE TABLE incident_observations (
  observation_id TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL,
  observed_ms INTEGER NOT NULL,
  until_ms INTEGER NOT NULL,
  lon REAL NOT NULL,
  lat REAL NOT NULL,
  accuracy_m REAL NOT NULL,
  kind TEXT NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL,
  reason TEXT
);
CREATE INDEX incident_observations_incident ON incident_observations(incident_id, observed_ms);

-- Every decision about an incident, append-only: who, when, why. (incident_id, version) is
-- unique, so two transitions decided on the same version can never both be recorded.
CREATE TABLE incident_history (
  incident_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  at TEXT NOT NULL,
  by_actor TEXT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  reason TEXT,
  detail TEXT,
  PRIMARY KEY (incident_id, version)
);

-- Allegations: a party's, a partner's or the public's claims, beside the monitors' observations,
-- never over them. `doc` (JSON text) is the claim as filed and never changes; only the incident
-- it is linked to may (each move is in both incidents' history).
CREATE TABLE allegations (
  id TEXT PRIMARY KEY,
  incident_id TEXT,
  filed_at_ms INTEGER NOT NULL,
  claimed_ms INTEGER NOT NULL,
  lon REAL,
  lat REAL,
  releasability TEXT NOT NULL,
  accused_party TEXT,
  source_kind TEXT NOT NULL,
  filer_nation TEXT,
  doc TEXT NOT NULL
);
CREATE INDEX allegations_filed ON allegations(filed_at_ms, id);
CREATE INDEX allegations_incident ON allegations(incident_id) WHERE incident_id IS NOT NULL;

-- How far fusion has followed the change feed: on start it resumes from here, so observations
-- stored while no server ran (a CLI import, the demo seed) are grouped too. A store that had
-- observations before this migration starts at its current position (`truceline incidents
-- regroup` groups the older ones once).
CREATE TABLE fusion_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL
);
INSERT INTO fusion_cursor (id, seq) VALUES (1, (SELECT COALESCE(MAX(seq), 0) FROM changes));
