-- Evidence (issue 7): the bytes' facts by their SHA-256 (the bytes themselves are files in the
-- store's evidence folder, see evidence-store.ts), their attachments to reports, and the chain of
-- custody. Nothing here is updated in place: rows are only ever added.
CREATE TABLE evidence (
  -- Lowercase hex SHA-256 of the bytes.
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  size INTEGER NOT NULL,
  -- What the bytes are (their signature), not what the uploader declared.
  media_type TEXT NOT NULL,
  -- JSON: what the file's EXIF says of its capture (time, zone, GPS, camera); NULL when none.
  capture TEXT,
  first_seen_at TEXT NOT NULL
);

-- The bytes attached to a report (or to none yet: target_kind = target_id = ''), each under its
-- own label. Unique per (bytes, target, label): an upload again of the same file to the same
-- report is one attachment, with one more custody entry.
CREATE TABLE evidence_attachments (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL REFERENCES evidence(sha256),
  target_kind TEXT NOT NULL,
  target_id TEXT NOT NULL,
  releasability TEXT NOT NULL,
  filename TEXT,
  declared_type TEXT,
  added_by TEXT NOT NULL,
  added_at TEXT NOT NULL,
  added_at_ms INTEGER NOT NULL,
  -- JSON: the comparison of the capture with the report (flags with reasons); NULL when none.
  check_doc TEXT,
  UNIQUE (sha256, target_kind, target_id, releasability)
);
CREATE INDEX evidence_attachments_target ON evidence_attachments (target_kind, target_id, added_at_ms);
CREATE INDEX evidence_attachments_added ON evidence_attachments (added_at_ms, id);

-- The chain of custody, append-only: who added, attached and viewed the bytes, when, from where.
CREATE TABLE evidence_custody (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sha256 TEXT NOT NULL REFERENCES evidence(sha256),
  action TEXT NOT NULL CHECK (action IN ('added', 'linked', 'viewed')),
  actor TEXT NOT NULL,
  at TEXT NOT NULL,
  address TEXT,
  attachment_id TEXT REFERENCES evidence_attachments(id),
  -- Who may read the entry: an attachment's label, or for a view the mechanism and the viewer's nation.
  releasability TEXT NOT NULL,
  -- For a view of part of the file: the byte range served ("0-1023").
  byte_range TEXT
);
CREATE INDEX evidence_custody_sha ON evidence_custody (sha256, seq);
