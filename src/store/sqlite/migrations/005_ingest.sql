-- Ingest from the field (issue 5). Kept equivalent to postgres/migrations/005_ingest.sql.

-- TAK (Cursor-on-Target) records: positions, drawn areas, marker versions, chat and deletions.
-- Append-only: the current state of a uid (`subject`) is its latest record by event time, then
-- arrival; a deletion is a tombstone that hides what came before it.
CREATE TABLE tak_records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  stale_ms INTEGER,
  raw_id TEXT,
  received_at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX tak_records_subject ON tak_records(subject, time_ms, seq);
CREATE INDEX tak_records_kind_stale ON tak_records(kind, stale_ms);

-- A new version of an observation (an ACLED event re-imported with a newer timestamp, a changed
-- TAK marker) names the version it supersedes; both stay stored.
CREATE TABLE observation_supersedes (
  new_id TEXT NOT NULL,
  old_id TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (new_id, old_id)
);
CREATE INDEX observation_supersedes_old ON observation_supersedes(old_id);

-- Partner feeds: the token is shown once; only its SHA-256 is kept.
CREATE TABLE feeds (
  name TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

-- What became of the items of each raw input: runs of consecutive items with one outcome
-- (accepted, quarantined, or replayed = accepted by a replay after being quarantined).
-- Append-only; the key makes an outcome of an item count once.
CREATE TABLE inbox_outcomes (
  raw_id TEXT NOT NULL,
  first_item INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  item_count INTEGER NOT NULL,
  channel TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (raw_id, first_item, outcome)
);
-- Covers the stats: sums per channel and outcome, and raw inputs with an outcome per channel.
CREATE INDEX inbox_outcomes_channel ON inbox_outcomes(channel, raw_id, outcome, item_count);
CREATE INDEX raw_inbox_channel_time ON raw_inbox(channel, received_at, id);

-- Raw inputs stored before this migration count as one item each: quarantined when they have a
-- quarantine record, accepted otherwise (their items were never counted one by one).
INSERT INTO inbox_outcomes (raw_id, first_item, outcome, item_count, channel, at)
SELECT r.id, 0, CASE WHEN r.id IN (SELECT raw_id FROM quarantine WHERE raw_id IS NOT NULL) THEN 'quarantined' ELSE 'accepted' END, 1, r.channel, r.received_at
FROM raw_inbox r;
