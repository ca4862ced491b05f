-- Equivalent to src/store/sqlite/migrations/006_tasks.sql.

-- Tasks: patrols, UAV flights, investigations, requests for information. The row is the task's
-- current state; `doc` holds what never changes after creation (JSON text). `version` goes up by
-- one per transition: a transition applies only to the version it was decided on.
CREATE TABLE tasks (
  id text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL,
  state text NOT NULL,
  version integer NOT NULL,
  releasability text NOT NULL,
  -- NULL: a team of the mechanism.
  assignee_nation text,
  incident_id text COLLATE "C",
  created_at_ms bigint NOT NULL,
  updated_at text NOT NULL,
  doc text NOT NULL
);
CREATE INDEX tasks_created ON tasks (created_at_ms, id);
CREATE INDEX tasks_assignee ON tasks (assignee_nation, created_at_ms);
CREATE INDEX tasks_state ON tasks (state, created_at_ms);
CREATE INDEX tasks_incident ON tasks (incident_id) WHERE incident_id IS NOT NULL;

-- Every step of a task's life, append-only: who, when, why. (task_id, version) is unique, so two
-- transitions decided on the same version can never both be recorded.
CREATE TABLE task_history (
  task_id text COLLATE "C" NOT NULL REFERENCES tasks(id),
  version integer NOT NULL,
  at text NOT NULL,
  by_actor text NOT NULL,
  action text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  reason text,
  PRIMARY KEY (task_id, version)
);
