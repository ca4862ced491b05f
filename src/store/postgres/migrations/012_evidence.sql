-- Equivalent to src/store/sqlite/migrations/012_evidence.sql, with the bytes in the database.
--
-- Why the bytes are here and not in a folder: every cell process on every host serves the same
-- database, and a folder on one host is not there for the others (a shared network file system is
-- one more thing to run and to back up apart). They are kept as 1 MiB bytea chunks rather than one
-- bytea per file (a 200 MB value would be built whole in memory on both sides, and bytea tops out
-- at 1 GB) or large objects (outside the table's transactions and permissions, orphaned unless
-- unlinked by hand): chunks stream in both directions, commit with their row, and are dumped and
-- replicated with everything else.

CREATE TABLE evidence (
  sha256 text COLLATE "C" PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint NOT NULL,
  media_type text NOT NULL,
  capture text,
  -- The chunk size the bytes were cut into (so that it may change for later files).
  chunk_size integer NOT NULL,
  first_seen_at text NOT NULL
);

CREATE TABLE evidence_chunks (
  sha256 text COLLATE "C" NOT NULL REFERENCES evidence(sha256),
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (sha256, n)
);
-- Photos and video are compressed already: out-of-line storage without another compression try.
ALTER TABLE evidence_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE evidence_attachments (
  id text COLLATE "C" PRIMARY KEY,
  sha256 text COLLATE "C" NOT NULL REFERENCES evidence(sha256),
  target_kind text NOT NULL,
  target_id text COLLATE "C" NOT NULL,
  releasability text NOT NULL,
  filename text,
  declared_type text,
  added_by text NOT NULL,
  added_at text NOT NULL,
  added_at_ms bigint NOT NULL,
  check_doc text,
  UNIQUE (sha256, target_kind, target_id, releasability)
);
CREATE INDEX evidence_attachments_target ON evidence_attachments (target_kind, target_id, added_at_ms);
CREATE INDEX evidence_attachments_added ON evidence_attachments (added_at_ms, id);

CREATE TABLE evidence_custody (
  seq bigserial PRIMARY KEY,
  sha256 text COLLATE "C" NOT NULL REFERENCES evidence(sha256),
  action text NOT NULL CHECK (action IN ('added', 'linked', 'viewed')),
  actor text NOT NULL,
  at text NOT NULL,
  address text,
  attachment_id text COLLATE "C" REFERENCES evidence_attachments(id),
  releasability text NOT NULL,
  byte_range text
);
CREATE INDEX evidence_custody_sha ON evidence_custody (sha256, seq);
