-- Raw inbox: every input is stored as received, before it is parsed. Never updated.
CREATE TABLE raw_inbox (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  received_at TEXT NOT NULL,
  content_type TEXT,
  size INTEGER NOT NULL,
  truncated INTEGER NOT NULL DEFAULT 0,
  body BLOB NOT NULL
);

CREATE TABLE quarantine (
  id TEXT PRIMARY KEY,
  raw_id TEXT REFERENCES raw_inbox(id),
  channel TEXT NOT NULL,
  received_at TEXT NOT NULL,
  reason TEXT NOT NULL,
  field TEXT,
  size INTEGER NOT NULL,
  excerpt TEXT NOT NULL
);
CREATE INDEX quarantine_channel ON quarantine(channel, id);

CREATE TABLE observations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  observed_at_ms INTEGER NOT NULL,
  lon REAL NOT NULL,
  lat REAL NOT NULL,
  sector TEXT,
  releasability TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  raw_id TEXT,
  received_at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX observations_time ON observations(observed_at_ms, id);
CREATE INDEX observations_sector_time ON observations(sector, observed_at_ms);

CREATE TABLE sectors (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  geometry TEXT NOT NULL
);
