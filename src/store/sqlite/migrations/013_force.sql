-- The multinational force and the commitments register (issue 8). One table per kind of record,
-- all of one shape: the columns queries filter on (releasability, nation), a version that goes up
-- by one per write (a write may name the version it was decided on), and the record as JSON text.
-- The registers are small; they are read whole per kind, filtered by label in SQL.
CREATE TABLE force_requirements (
  id TEXT PRIMARY KEY,
  releasability TEXT NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation TEXT,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX force_requirements_nation ON force_requirements (nation, id);

CREATE TABLE force_pledges (
  id TEXT PRIMARY KEY,
  releasability TEXT NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation TEXT,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX force_pledges_nation ON force_pledges (nation, id);

CREATE TABLE force_units (
  id TEXT PRIMARY KEY,
  releasability TEXT NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation TEXT,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX force_units_nation ON force_units (nation, id);

CREATE TABLE force_deployments (
  id TEXT PRIMARY KEY,
  releasability TEXT NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation TEXT,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX force_deployments_nation ON force_deployments (nation, id);

CREATE TABLE force_lead_nations (
  id TEXT PRIMARY KEY,
  releasability TEXT NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation TEXT,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX force_lead_nations_nation ON force_lead_nations (nation, id);

CREATE TABLE force_documents (
  id TEXT PRIMARY KEY,
  releasability TEXT NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation TEXT,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX force_documents_nation ON force_documents (nation, id);

CREATE TABLE force_commitments (
  id TEXT PRIMARY KEY,
  releasability TEXT NOT NULL,
  -- The nation the record is filed under (a pledge's, a unit's, a commitment's); NULL for the force's own.
  nation TEXT,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX force_commitments_nation ON force_commitments (nation, id);

-- The force's settings (the stand-off rule), one row per key, the value as JSON text.
CREATE TABLE force_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);
