-- Land options: proposed demarcation lines. Append-only: an edit is a new row (id, version + 1);
-- earlier versions stay readable. `doc` holds the whole version (JSON text), geometry included.
CREATE TABLE land_options (
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  releasability TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (id, version)
);
CREATE INDEX land_options_latest ON land_options (id, version DESC);
