-- Reports as issued: the content is frozen when the draft is made (what is reviewed, approved and
-- published is exactly those bytes); `state` and `version` move through the approval table.
CREATE TABLE reports (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  report_date TEXT NOT NULL,
  audience TEXT NOT NULL,
  number TEXT NOT NULL,
  releasability TEXT NOT NULL,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  published_at TEXT,
  -- The log checkpoint made when the draft was built (JSON: treeSize, rootHash, timestamp,
  -- keyId): anyone can check the report's inputs against the transparency log.
  cites TEXT,
  content TEXT NOT NULL
);
CREATE INDEX reports_date ON reports (report_date, id);
CREATE INDEX reports_published ON reports (published_at) WHERE published_at IS NOT NULL;

-- Every step, append-only: who, when, why. (report_id, version) is unique, so two steps decided
-- on the same version can never both be recorded.
CREATE TABLE report_events (
  report_id TEXT NOT NULL REFERENCES reports(id),
  version INTEGER NOT NULL,
  at TEXT NOT NULL,
  by_actor TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  reason TEXT,
  PRIMARY KEY (report_id, version)
);
