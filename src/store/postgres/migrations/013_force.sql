-- Equivalent to src/store/sqlite/migrations/013_force.sql.

-- The multinational force and the commitments register (issue 8). One table per kind of record,
-- all of one shape: the columns queries filter on (releasability, nation), a version that goes up
-- by one per write (a write may name the version it was decided on), and the record as JSON text.
-- The registers are small; they are read whole per kind, filtered by label in SQL.
CREATE TABLE force_requirements (
  id text COLLATE "C" PRIMARY KEY,
  releasability text NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation text,
  version integer NOT NULL,
  updated_at text NOT NULL,
  updated_by text NOT NULL,
  doc text NOT NULL
);
CREATE INDEX force_requirements_nation ON force_requirements (nation, id);

CREATE TABLE force_pledges (
  id text COLLATE "C" PRIMARY KEY,
  releasability text NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation text,
  version integer NOT NULL,
  updated_at text NOT NULL,
  updated_by text NOT NULL,
  doc text NOT NULL
);
CREATE INDEX force_pledges_nation ON force_pledges (nation, id);

CREATE TABLE force_units (
  id text COLLATE "C" PRIMARY KEY,
  releasability text NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation text,
  version integer NOT NULL,
  updated_at text NOT NULL,
  updated_by text NOT NULL,
  doc text NOT NULL
);
CREATE INDEX force_units_nation ON force_units (nation, id);

CREATE TABLE force_deployments (
  id text COLLATE "C" PRIMARY KEY,
  releasability text NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation text,
  version integer NOT NULL,
  updated_at text NOT NULL,
  updated_by text NOT NULL,
  doc text NOT NULL
);
CREATE INDEX force_deployments_nation ON force_deployments (nation, id);

CREATE TABLE force_lead_nations (
  id text COLLATE "C" PRIMARY KEY,
  releasability text NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation text,
  version integer NOT NULL,
  updated_at text NOT NULL,
  updated_by text NOT NULL,
  doc text NOT NULL
);
CREATE INDEX force_lead_nations_nation ON force_lead_nations (nation, id);

CREATE TABLE force_documents (
  id text COLLATE "C" PRIMARY KEY,
  releasability text NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation text,
  version integer NOT NULL,
  updated_at text NOT NULL,
  updated_by text NOT NULL,
  doc text NOT NULL
);
CREATE INDEX force_documents_nation ON force_documents (nation, id);

CREATE TABLE force_commitments (
  id text COLLATE "C" PRIMARY KEY,
  releasability text NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation text,
  version integer NOT NULL,
  updated_at text NOT NULL,
  updated_by text NOT NULL,
  doc text NOT NULL
);
CREATE INDEX force_commitments_nation ON force_commitments (nation, id);

-- The force's settings (the stand-off rule), one row per key, the value as JSON text.
CREATE TABLE force_settings (
  key text PRIMARY KEY,
  value text NOT NULL,
  updated_at text NOT NULL,
  updated_by text NOT NULL
);
