-- Tasks: patrols, UAV flights, investigations, requests for information. The row is the task's
-- current state; `doc` holds what never changes after creation (JSON text). `version` goes up by
-- one per transition: a transition applies only to the version it was decided on.
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  releasability TEXT NOT NULL,
  -- NULL: a team of the mechanism.
  assignee_nation TEXT,
  incident_id TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX tasks_created ON tasks (created_at_ms, id);
CREATE INDEX tasks_assignee ON tasks (assignee_nation, created_at_ms);
CREATE INDEX tasks_state ON tasks (state, created_at_ms);
CREATE INDEX tasks_incident ON tasks (incident_id) WHERE incident_id IS NOT NULL;

-- Every step of a task's life, append-only: who, when, why. (task_id, version) is unique, so two
-- transitions decided on the same version can never both be recorded.
CREATE TABLE task_history (
  task_id TEXT NOT NULL REFERENCES tasks(id),
  version INTEGER NOT NULL,
  at TEXT NOT NULL,
  by_actor TEXT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  reason TEXT,
  PRIMARY KEY (task_id, version)
);
