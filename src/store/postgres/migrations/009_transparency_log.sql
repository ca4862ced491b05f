-- The transparency log (issue 7, "a record all parties can check"): one entry per change of a
-- logged record, the Merkle tree's complete subtrees over them, signed checkpoints and keys.
-- See src/services/transparency-log.ts for the leaf encoding and the checkpoint text.

CREATE TABLE log_entries (
  leaf_index bigint PRIMARY KEY,           -- dense 0..n-1, in change_seq order
  change_seq bigint NOT NULL UNIQUE,
  entity text COLLATE "C" NOT NULL,
  entity_id text COLLATE "C" NOT NULL,
  op text NOT NULL,
  at text NOT NULL,                        -- verbatim: it is part of the hashed leaf
  data text NOT NULL,                      -- RFC 8785 canonical JSON (text, not jsonb: the bytes are hashed)
  leaf_hash bytea NOT NULL
);
CREATE INDEX log_entries_record ON log_entries (entity, entity_id, leaf_index);

-- Perfect subtrees of level >= 1 (level 0 is log_entries.leaf_hash): any proof reads O(log n) of them.
CREATE TABLE log_nodes (
  level integer NOT NULL,
  node_index bigint NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (level, node_index)
);

-- The last change seq the log has considered. Appenders lock this row (SELECT ... FOR UPDATE),
-- which serialises them across processes: indexes stay dense and in seq order.
CREATE TABLE log_head (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  position bigint NOT NULL
);
INSERT INTO log_head (position) VALUES (0);

CREATE TABLE log_checkpoints (
  id bigserial PRIMARY KEY,
  tree_size bigint NOT NULL,
  root_hash bytea NOT NULL,
  timestamp text NOT NULL,
  signature bytea NOT NULL,
  key_id text NOT NULL
);
CREATE INDEX log_checkpoints_size ON log_checkpoints (tree_size, timestamp);

CREATE TABLE log_keys (
  key_id text PRIMARY KEY,
  public_key text NOT NULL,
  private_key text,
  source text NOT NULL CHECK (source IN ('generated', 'file')),
  created_at text NOT NULL
);
-- One generated key per store: two first starts agree on it.
CREATE UNIQUE INDEX log_keys_one_generated ON log_keys (source) WHERE source = 'generated';

-- Append-only. Whoever drops these to rewrite history is caught by `truceline verify-log`.
CREATE FUNCTION log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the transparency log is append-only';
END $$;
CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_nodes_append_only BEFORE UPDATE OR DELETE ON log_nodes FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_checkpoints_append_only BEFORE UPDATE OR DELETE ON log_checkpoints FOR EACH ROW EXECUTE FUNCTION log_append_only();
