import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { NetworkError, ProblemError } from './api';
import { formatUtc } from './format';
import { parseLocal, toLocalInput } from './time-window';
import {
  ACTION_LABELS,
  NEEDS_REASON,
  TASK_KIND_LABELS,
  TASK_STATE_LABELS,
  actOnTask,
  assigneeLabel,
  createTask,
  isActive,
  relativeDue,
  type TaskAction,
  type TaskInput,
  type TaskKind,
  type TaskView,
  type TasksState,
} from './tasks';

const messageOf = (e: unknown) =>
  e instanceof NetworkError ? 'No connection: try again when it is back' : e instanceof ProblemError ? e.message : e instanceof Error ? e.message : String(e);

/**
 * Tasks released to the user: patrols, UAV flights, investigations and requests for information,
 * with the answers the user may give now (the server's `actions`) and, for tasking officers, a
 * form to task a team.
 */
export function TasksPanel({ tasks }: { tasks: TasksState }) {
  const [showAll, setShowAll] = useState(false);
  const [creating, setCreating] = useState(false);
  const list = tasks.items ?? [];
  const active = list.filter(isActive);
  const shown = showAll ? list : active;
  return (
    <section className="panel-section tasks" aria-labelledby="tasks-title" data-testid="tasks-panel">
      <div className="section-head">
        <h2 id="tasks-title">Tasks</h2>
        {tasks.canTask && (
          <button type="button" className="link" aria-expanded={creating} aria-controls="task-form" onClick={() => setCreating((c) => !c)} data-testid="new-task">
            {creating ? 'Close form' : 'New task'}
          </button>
        )}
      </div>
      {creating && (
        <TaskForm
          onCreated={(t) => {
            tasks.upsert(t);
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {tasks.error && (
        <p className="banner error" role="alert">
          {tasks.error}
        </p>
      )}
      {tasks.anonymous ? (
        <p className="muted">Log in to see the tasks released to you.</p>
      ) : tasks.items === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <label className="kind-row task-filter">
            <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} data-testid="tasks-show-all" />
            <span />
            <span className="kind-label">Show finished tasks too</span>
            <span className="kind-count">
              {active.length} active{tasks.total > list.length ? ` · ${list.length} of ${tasks.total} loaded` : ''}
            </span>
          </label>
          {shown.length === 0 ? (
            <p className="muted">{showAll ? 'No tasks.' : 'No open or accepted tasks.'}</p>
          ) : (
            <ul className="task-list" aria-label="Tasks, newest first">
              {shown.map((t) => (
                <TaskItem key={t.id} task={t} onChanged={tasks.upsert} onStale={tasks.reload} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function TaskItem({ task: t, onChanged, onStale }: { task: TaskView; onChanged(t: TaskView): void; onStale(): void }) {
  const [asking, setAsking] = useState<TaskAction | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reasonBox = useRef<HTMLTextAreaElement>(null);
  const opener = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (asking) reasonBox.current?.focus();
  }, [asking]);

  const due = relativeDue(t.dueAt);
  const last = t.history.at(-1);

  async function run(action: TaskAction, why?: string) {
    setBusy(true);
    setError(null);
    try {
      onChanged(await actOnTask(t, action, why));
      setAsking(null);
      setReason('');
    } catch (e) {
      setError(messageOf(e));
      // Someone else moved it meanwhile: show it as it is now.
      if (e instanceof ProblemError && e.status === 409) onStale();
    } finally {
      setBusy(false);
    }
  }
  const closeReason = () => {
    setAsking(null);
    setError(null);
    opener.current?.focus();
  };
  const submitReason = (e: FormEvent) => {
    e.preventDefault();
    if (!asking) return;
    if (!reason.trim()) {
      setError('Say why');
      reasonBox.current?.focus();
      return;
    }
    void run(asking, reason.trim());
  };
  const escape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      closeReason();
    }
  };

  return (
    <li className={`task-item task-${t.state}`} data-testid="task-item" data-task-id={t.id} data-state={t.state}>
      <div className="task-line">
        <span className="task-kind">{TASK_KIND_LABELS[t.kind]}</span>
        <span className={`task-state state-${t.state}`}>{TASK_STATE_LABELS[t.state]}</span>
      </div>
      <div className="task-title">{t.title}</div>
      <div className="task-meta">
        <span>{assigneeLabel(t)}</span>
        {isActive(t) && (
          <time dateTime={t.dueAt} title={formatUtc(t.dueAt)} className={due.overdue ? 'overdue' : undefined}>
            {due.text}
          </time>
        )}
      </div>
      {t.releasability !== 'MECHANISM' && <div className="task-meta releasability">{t.releasability}</div>}
      {last && last.action !== 'create' && last.reason && (
        <p className="task-reason">
          <span className="muted">{last.by.replace(/^(user|token):/, '')}:</span> {last.reason}
        </p>
      )}
      {t.actions.length > 0 && !asking && (
        <div className="task-actions">
          {t.actions.map((a) => (
            <button
              key={a}
              type="button"
              className={a === 'accept' || a === 'done' ? 'primary' : undefined}
              disabled={busy}
              aria-label={`${ACTION_LABELS[a].replace('…', '')}: ${t.title}`}
              data-testid={`task-${a}`}
              onClick={(e) => {
                if (NEEDS_REASON.has(a)) {
                  opener.current = e.currentTarget;
                  setAsking(a);
                } else void run(a);
              }}
            >
              {ACTION_LABELS[a]}
            </button>
          ))}
        </div>
      )}
      {asking && (
        <form className="task-reason-form" onSubmit={submitReason} onKeyDown={escape}>
          <label htmlFor={`reason-${t.id}`}>{asking === 'refuse' ? 'Why refuse?' : 'Why cancel?'}</label>
          <textarea
            id={`reason-${t.id}`}
            ref={reasonBox}
            rows={2}
            maxLength={4000}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={!!error}
            data-testid="task-reason"
          />
          <div className="task-actions">
            <button type="submit" className="primary" disabled={busy} data-testid="task-reason-submit">
              {asking === 'refuse' ? 'Refuse task' : 'Cancel task'}
            </button>
            <button type="button" onClick={closeReason} disabled={busy}>
              Back
            </button>
          </div>
        </form>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

interface Draft {
  kind: TaskKind;
  title: string;
  nation: string;
  team: string;
  due: string;
  lat: string;
  lon: string;
  releasability: string;
  description: string;
}

const newDraft = (): Draft => ({
  kind: 'patrol',
  title: '',
  nation: '',
  team: '',
  due: toLocalInput(new Date(Date.now() + 24 * 3_600_000)),
  lat: '',
  lon: '',
  releasability: '',
  description: '',
});

type Errors = Partial<Record<keyof Draft | 'form', string>>;

/** The form field a server problem names (`assignee.nation` → nation, `place.coordinates.1` → lat/lon). */
function fieldOf(path: string): keyof Draft | 'form' {
  if (path.startsWith('assignee.nation')) return 'nation';
  if (path.startsWith('assignee')) return 'team';
  if (path.startsWith('place')) return 'lat';
  if (path === 'dueAt') return 'due';
  return (['kind', 'title', 'releasability', 'description'] as const).find((f) => f === path) ?? 'form';
}

function check(d: Draft): Errors {
  const e: Errors = {};
  if (!d.title.trim()) e.title = 'Say what is to be done';
  if (d.nation && !/^[A-Z]{3}$/.test(d.nation)) e.nation = 'An ISO 3166-1 alpha-3 code (e.g. FRA), or blank for the mechanism';
  if (!d.team.trim()) e.team = 'Name the team';
  if (!parseLocal(d.due)) e.due = 'When is it due?';
  const lat = Number(d.lat);
  const lon = Number(d.lon);
  if (d.lat === '' || !Number.isFinite(lat) || Math.abs(lat) > 90) e.lat = 'Latitude: −90 to 90';
  if (d.lon === '' || !Number.isFinite(lon) || Math.abs(lon) > 180) e.lon = 'Longitude: −180 to 180';
  return e;
}

function TaskForm({ onCreated, onCancel }: { onCreated(t: TaskView): void; onCancel(): void }) {
  const [d, setD] = useState<Draft>(newDraft);
  const [errors, setErrors] = useState<Errors>({});
  const [sending, setSending] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const focus = (name: string) => form.current?.querySelector<HTMLElement>(`[name="${name}"]`)?.focus();

  useEffect(() => focus('title'), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (sending) return;
    const found = check(d);
    setErrors(found);
    if (Object.keys(found).length) return focus(Object.keys(found)[0]!);
    const input: TaskInput = {
      kind: d.kind,
      title: d.title.trim(),
      description: d.description,
      assignee: { nation: d.nation || null, team: d.team.trim() },
      place: { type: 'Point', coordinates: [Number(d.lon), Number(d.lat)] },
      dueAt: parseLocal(d.due)!.toISOString(),
      ...(d.releasability.trim() ? { releasability: d.releasability.trim() } : {}),
    };
    setSending(true);
    try {
      onCreated(await createTask(input));
    } catch (err) {
      const problems = err instanceof ProblemError ? (err.problem.errors?.length ? err.problem.errors : [{ field: err.problem.field ?? '', message: err.message }]) : [];
      const next: Errors = {};
      for (const p of problems) next[fieldOf(p.field)] ??= p.message;
      if (!problems.length) next.form = messageOf(err);
      setErrors(next);
      focus(Object.keys(next)[0]!);
    } finally {
      setSending(false);
    }
  }

  const field = (name: keyof Draft, label: string, control: ReactNode) => (
    <div className="field">
      <label htmlFor={`task-${name}`}>{label}</label>
      {control}
      {errors[name] && (
        <p className="field-error" id={`task-e-${name}`} role="alert">
          {errors[name]}
        </p>
      )}
    </div>
  );
  const aria = (name: keyof Draft) => ({ id: `task-${name}`, name, 'aria-invalid': !!errors[name], 'aria-describedby': errors[name] ? `task-e-${name}` : undefined });

  return (
    <form id="task-form" ref={form} className="task-form" onSubmit={submit} noValidate data-testid="task-form">
      {errors.form && (
        <p className="banner error" role="alert" tabIndex={-1}>
          {errors.form}
        </p>
      )}
      {field(
        'kind',
        'Kind',
        <select {...aria('kind')} value={d.kind} onChange={(e) => set({ kind: e.target.value as TaskKind })}>
          {(Object.keys(TASK_KIND_LABELS) as TaskKind[]).map((k) => (
            <option key={k} value={k}>
              {k === 'rfi' ? 'Request for information' : TASK_KIND_LABELS[k]}
            </option>
          ))}
        </select>,
      )}
      {field('title', 'Title', <input {...aria('title')} value={d.title} maxLength={200} onChange={(e) => set({ title: e.target.value })} />)}
      <div className="pair">
        {field('nation', 'Nation', <input {...aria('nation')} value={d.nation} placeholder="blank: mechanism" maxLength={3} onChange={(e) => set({ nation: e.target.value.toUpperCase() })} />)}
        {field('team', 'Team', <input {...aria('team')} value={d.team} maxLength={120} onChange={(e) => set({ team: e.target.value })} />)}
      </div>
      {field('due', 'Due (local time)', <input {...aria('due')} type="datetime-local" value={d.due} onChange={(e) => set({ due: e.target.value })} />)}
      <div className="pair">
        {field('lat', 'Latitude', <input {...aria('lat')} inputMode="decimal" value={d.lat} onChange={(e) => set({ lat: e.target.value })} />)}
        {field('lon', 'Longitude', <input {...aria('lon')} inputMode="decimal" value={d.lon} onChange={(e) => set({ lon: e.target.value })} />)}
      </div>
      {field(
        'releasability',
        'Releasability',
        <input {...aria('releasability')} value={d.releasability} placeholder={d.nation ? `default: REL TO ${d.nation}` : 'default: MECHANISM'} onChange={(e) => set({ releasability: e.target.value })} />,
      )}
      {field('description', 'Details', <textarea {...aria('description')} rows={3} maxLength={10_000} value={d.description} onChange={(e) => set({ description: e.target.value })} />)}
      <div className="task-actions">
        <button type="submit" className="primary" disabled={sending} data-testid="task-create">
          {sending ? 'Tasking…' : 'Create task'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
