-- Equivalent to src/store/sqlite/migrations/011_incidents.sql.

-- Verification (issue 7): incidents, their observations, allegations, and every decision.

-- The row is the incident's current state. `summary` (JSON text) is what its observations add up
-- to (src/domain/incident.ts IncidentSummary); the columns beside it repeat what queries filter
-- and sort on. `version` goes up by one per change: a transition applies only to the version it
-- was decided on.
CREATE TABLE incidents (
  id text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL,
  state text NOT NULL,
  version integer NOT NULL,
  sector text COLLATE "C",
  releasability text NOT NULL,
  first_ms bigint NOT NULL,
  last_ms bigint NOT NULL,
  -- NULL: nothing says where (an allegation without a place).
  min_lon double precision,
  min_lat double precision,
  max_lon double precision,
  max_lat double precision,
  centroid_lon double precision,
  centroid_lat double precision,
  observation_count integer NOT NULL,
  events integer NOT NULL,
  allegation_count integer NOT NULL,
  summary text NOT NULL,
  -- The assessment in force (JSON text), NULL before findings are drafted.
  assessment text,
  merged_into text COLLATE "C",
  merged_from text NOT NULL,
  created_at text NOT NULL,
  created_by text NOT NULL,
  updated_ms bigint NOT NULL
);
CREATE INDEX incidents_first ON incidents (first_ms, id);
CREATE INDEX incidents_state ON incidents (state, first_ms);
CREATE INDEX incidents_sector ON incidents (sector, first_ms);
CREATE INDEX incidents_last ON incidents (last_ms);
CREATE INDEX incidents_updated ON incidents (updated_ms, id);

-- Which incident each observation belongs to: one at most (the primary key), so two processes
-- fusing the same observation store it once. Where and when it was is repeated here, so that
-- fusion reloads recent incidents without reading the observations. Who put it there and why:
-- `system:fusion` with no reason, or the analyst of a merge or split with theirs.
CREATE TABLE incident_observations (
  observation_id text COLLATE "C" PRIMARY KEY,
  incident_id text COLLATE "C" NOT NULL,
  observed_ms bigint NOT NULL,
  until_ms bigint NOT NULL,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  accuracy_m double precision NOT NULL,
  kind text NOT NULL,
  added_at text NOT NULL,
  added_by text NOT NULL,
  reason text
);
CREATE INDEX incident_observations_incident ON incident_observations (incident_id, observed_ms);

-- Every decision about an incident, append-only: who, when, why. (incident_id, version) is
-- unique, so two transitions decided on the same version can never both be recorded.
CREATE TABLE incident_history (
  incident_id text COLLATE "C" NOT NULL,
  version integer NOT NULL,
  at text NOT NULL,
  by_actor text NOT NULL,
  action text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  reason text,
  detail text,
  PRIMARY KEY (incident_id, version)
);

-- Allegations: a party's, a partner's or the public's claims, beside the monitors' observations,
-- never over them. `doc` (JSON text) is the claim as filed and never changes; only the incident
-- it is linked to may (each move is in both incidents' history).
CREATE TABLE allegations (
  id text COLLATE "C" PRIMARY KEY,
  incident_id text COLLATE "C",
  filed_at_ms bigint NOT NULL,
  claimed_ms bigint NOT NULL,
  lon double precision,
  lat double precision,
  releasability text NOT NULL,
  accused_party text,
  source_kind text NOT NULL,
  filer_nation text,
  doc text NOT NULL
);
CREATE INDEX allegations_filed ON allegations (filed_at_ms, id);
CREATE INDEX allegations_incident ON allegations (incident_id) WHERE incident_id IS NOT NULL;

-- How far fusion has followed the change feed: on start it resumes from here, so observations
-- stored while no server ran (a CLI import, the demo seed) are grouped too. A store that had
-- observations before this migration starts at its current position (`truceline incidents
-- regroup` groups the older ones once).
CREATE TABLE fusion_cursor (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL
);
INSERT INTO fusion_cursor (id, seq) SELECT 1, last FROM change_counter;
