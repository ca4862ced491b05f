-- Fusion reloads the editable incidents of one kind whose last observation falls in a window
-- (src/store/incident-repository.ts forFusionTx). Without this index SQLite walked every
-- incident of the state index: 12 ms a call on 1,700 incidents, a third of the ingest's time.
CREATE INDEX incidents_kind_last ON incidents(kind, last_ms);
