-- PostgreSQL schema, kept equivalent to src/store/sqlite/migrations (same tables, same meaning).
-- Ids are compared byte-wise (COLLATE "C") like SQLite's BINARY collation, so keyset paging and
-- "newest first, then id" order are identical on both engines whatever the database locale.

-- Raw inbox: every input is stored as received, before it is parsed. Never updated.
CREATE TABLE raw_inbox (
  id text COLLATE "C" PRIMARY KEY,
  channel text NOT NULL,
  received_at text NOT NULL,
  content_type text,
  size bigint NOT NULL,
  truncated boolean NOT NULL DEFAULT false,
  body bytea NOT NULL
);

-- reason, field and excerpt quote untrusted input, which may contain NUL characters: PostgreSQL
-- text cannot hold NUL, so they are kept as UTF-8 bytes and round-trip exactly as in SQLite.
CREATE TABLE quarantine (
  id text COLLATE "C" PRIMARY KEY,
  raw_id text COLLATE "C" REFERENCES raw_inbox(id),
  channel text NOT NULL,
  received_at text NOT NULL,
  reason bytea NOT NULL,
  field bytea,
  size bigint NOT NULL,
  excerpt bytea NOT NULL
);
CREATE INDEX quarantine_channel ON quarantine (channel, id);

CREATE TABLE observations (
  id text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL,
  observed_at_ms bigint NOT NULL,
  lon double precision NOT NULL,
  lat double precision NOT NULL,
  sector text COLLATE "C",
  releasability text NOT NULL,
  source_kind text NOT NULL,
  content_hash text NOT NULL,
  raw_id text COLLATE "C",
  received_at text NOT NULL,
  -- The observation as JSON text, exactly as serialised (key order kept, unlike jsonb).
  doc text NOT NULL
);
-- The map query: a time window and a bounding box, newest first (observed_at_ms, then id). With
-- time, lon and lat in one btree the box is an index condition checked on index entries before the
-- heap is visited, and the total is an index-only scan; ties on the instant are put in id order
-- by an incremental sort (cheap: instants are in milliseconds). It also serves time-ordered paging
-- without a box. Measured with bench/store.ts: several times faster than the PostGIS GiST index
-- for windows of days; that index (see migrate.ts) serves boxes without a time window. SQLite's
-- equivalent includes the id (SQLite's sort of ties is slow); here the smaller index ingests faster.
CREATE INDEX observations_time_place ON observations (observed_at_ms, lon, lat);
CREATE INDEX observations_sector_time ON observations (sector, observed_at_ms);

CREATE TABLE sectors (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  geometry text NOT NULL
);
