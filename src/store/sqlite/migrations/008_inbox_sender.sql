-- Who sent each raw input (user:NAME, token:NAME, feed:NAME, tak:CN or public): the audit of
-- what came in, written in the same row as the bytes so it costs no extra write.
ALTER TABLE raw_inbox ADD COLUMN sender TEXT;
