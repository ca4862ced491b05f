-- The transparency log (issue 7, "a record all parties can check"): one entry per change of a
-- logged record, the Merkle tree's complete subtrees over them, signed checkpoints and keys.
-- See src/services/transparency-log.ts for the leaf encoding and the checkpoint text.

CREATE TABLE log_entries (
  leaf_index INTEGER PRIMARY KEY,          -- dense 0..n-1, in change_seq order
  change_seq INTEGER NOT NULL UNIQUE,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  op TEXT NOT NULL,
  at TEXT NOT NULL,                        -- verbatim: it is part of the hashed leaf
  data TEXT NOT NULL,                      -- RFC 8785 canonical JSON of the record
  leaf_hash BLOB NOT NULL
);
CREATE INDEX log_entries_record ON log_entries (entity, entity_id, leaf_index);

-- Perfect subtrees of level >= 1 (level 0 is log_entries.leaf_hash): any proof reads O(log n) of them.
CREATE TABLE log_nodes (
  level INTEGER NOT NULL,
  node_index INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, node_index)
) WITHOUT ROWID;

-- The last change seq the log has considered: changes of entities without a reader are passed
-- over once, not re-read on every append.
CREATE TABLE log_head (
  only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
  position INTEGER NOT NULL
);
INSERT INTO log_head (only_row, position) VALUES (1, 0);

CREATE TABLE log_checkpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tree_size INTEGER NOT NULL,
  root_hash BLOB NOT NULL,
  timestamp TEXT NOT NULL,
  signature BLOB NOT NULL,
  key_id TEXT NOT NULL
);
CREATE INDEX log_checkpoints_size ON log_checkpoints (tree_size, timestamp);

CREATE TABLE log_keys (
  key_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  private_key TEXT,
  source TEXT NOT NULL CHECK (source IN ('generated', 'file')),
  created_at TEXT NOT NULL
);
-- One generated key per store: two first starts agree on it.
CREATE UNIQUE INDEX log_keys_one_generated ON log_keys (source) WHERE source = 'generated';

-- Append-only. Whoever drops these to rewrite history is caught by `truceline verify-log`.
CREATE TRIGGER log_entries_append_only_u BEFORE UPDATE ON log_entries BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER log_entries_append_only_d BEFORE DELETE ON log_entries BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER log_nodes_append_only_u BEFORE UPDATE ON log_nodes BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER log_nodes_append_only_d BEFORE DELETE ON log_nodes BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER log_checkpoints_append_only_u BEFORE UPDATE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER log_checkpoints_append_only_d BEFORE DELETE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
