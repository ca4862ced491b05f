-- Equivalent to src/store/sqlite/migrations/014_land_options.sql.

-- Land options: proposed demarcation lines. Append-only: an edit is a new row (id, version + 1);
-- earlier versions stay readable. `doc` holds the whole version (JSON text), geometry included.
CREATE TABLE land_options (
  id text COLLATE "C" NOT NULL,
  version integer NOT NULL,
  releasability text NOT NULL,
  status text NOT NULL,
  created_at text NOT NULL,
  doc text NOT NULL,
  PRIMARY KEY (id, version)
);
CREATE INDEX land_options_latest ON land_options (id, version DESC);
