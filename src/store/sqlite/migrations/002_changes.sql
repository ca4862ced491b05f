-- The change feed: one row per committed change, so a dropped live stream resumes without gaps.
CREATE TABLE changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  entity TEXT NOT NULL,
  op TEXT NOT NULL,
  id TEXT NOT NULL,
  at TEXT NOT NULL
);
