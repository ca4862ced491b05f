-- The change feed: one row per committed change, so a dropped live stream resumes without gaps
-- and every process on the database learns of every change (see change-feed.ts).
CREATE TABLE changes (
  seq bigint PRIMARY KEY,
  entity text NOT NULL,
  op text NOT NULL,
  id text COLLATE "C" NOT NULL,
  at timestamptz NOT NULL
);

-- The last seq handed out. Writers take the next numbers with an UPDATE of this one row as the
-- last statement before COMMIT; the row lock it takes is held until the transaction ends, so
-- seqs are handed out in commit order (see change-feed.ts for why that matters).
CREATE TABLE change_counter (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  last bigint NOT NULL
);
INSERT INTO change_counter (last) VALUES (0);
