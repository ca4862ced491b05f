import { useState, type FormEvent, type ReactNode } from 'react';
import { NetworkError, postObservation, ProblemError } from './api';
import { formField, newDraft, RELEASABILITIES, toInput, validate, type Draft, type FieldErrors } from './draft';
import { formatUtc } from './format';
import { KIND_GROUPS, KIND_STYLES, SUBKINDS, SUBKIND_STYLES } from './kinds';
import { SidePanel } from './SidePanel';
import { parseLocal, toLocalInput } from './time-window';
import type { Observation, ObservationInput, ObservationKind, Subkind } from './types';

interface Props {
  draft: Draft;
  onChange(d: Draft): void;
  /** Where the place is (oblast, sector), once it is set. */
  where?: string;
  onFiled(o: Observation): void;
  onQueued(input: ObservationInput): void;
  onClose(): void;
}

/** Where errors the form has no field for are shown: at the top. */
const FORM = '(form)';
const FIELDS = new Set(['kind', 'subkind', 'observedAt', 'location', 'count', 'weapon.model', 'weapon.caliberMm', 'notes', 'releasability', 'source.nation']);

export function ObservationForm({ draft, onChange, where, onFiled, onQueued, onClose }: Props) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [sending, setSending] = useState(false);
  const set = (patch: Partial<Draft>) => onChange({ ...draft, ...patch, touched: true });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (sending) return;
    const found = validate(draft);
    setErrors(found);
    if (Object.keys(found).length) {
      focusField(Object.keys(found)[0]!);
      return;
    }
    const input = toInput(draft);
    setSending(true);
    try {
      onFiled(await postObservation(input));
    } catch (err) {
      if (err instanceof NetworkError) onQueued(input);
      else if (err instanceof ProblemError) {
        const list = err.problem.errors?.length ? err.problem.errors : [{ field: err.problem.field ?? FORM, message: err.message }];
        const next: FieldErrors = {};
        for (const { field, message } of list) {
          const key = FIELDS.has(formField(field)) ? formField(field) : FORM;
          next[key] ??= key === FORM ? `${field}: ${message}` : message;
        }
        setErrors(next);
        focusField(Object.keys(next)[0]!);
      } else {
        setErrors({ [FORM]: err instanceof Error ? err.message : String(err) });
      }
    } finally {
      setSending(false);
    }
  }

  const field = (name: string, label: string, control: ReactNode, hint?: ReactNode) => (
    <div className={`field${errors[name] ? ' has-error' : ''}`} data-field={name}>
      <label htmlFor={`f-${name}`}>{label}</label>
      {control}
      {hint && <div className="hint">{hint}</div>}
      {errors[name] && (
        <p className="field-error" id={`e-${name}`} data-testid={`field-error-${name}`} role="alert">
          {errors[name]}
        </p>
      )}
    </div>
  );
  const aria = (name: string) => ({ id: `f-${name}`, 'aria-invalid': Boolean(errors[name]), 'aria-describedby': errors[name] ? `e-${name}` : undefined });
  const at = parseLocal(draft.observedAt);

  return (
    <SidePanel title="New observation" testid="observation-form" onClose={onClose}>
      <form onSubmit={submit} noValidate className="obs-form">
        {errors[FORM] && (
          <p className="banner error" role="alert" data-testid="form-error">
            {errors[FORM]}
          </p>
        )}
        {field(
          'kind',
          'Kind',
          <select {...aria('kind')} autoFocus value={draft.kind} data-testid="form-kind" onChange={(e) => set({ kind: e.target.value as ObservationKind })}>
            {KIND_GROUPS.map((g) => (
              <optgroup key={g.title} label={g.title}>
                {g.kinds.map((k) => (
                  <option key={k} value={k}>
                    {KIND_STYLES[k].label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>,
        )}
        {draft.kind === 'explosion' && (
          <fieldset className={`field subkind${errors.subkind ? ' has-error' : ''}`} data-field="subkind">
            <legend>Explosion</legend>
            <div className="radio-row">
              {SUBKINDS.map((s) => (
                <label key={s} className="radio">
                  <input type="radio" name="subkind" value={s} checked={draft.subkind === s} data-testid={`form-subkind-${s}`} onChange={() => set({ subkind: s as Subkind })} />
                  <span className="swatch" style={{ background: SUBKIND_STYLES[s].colour }} aria-hidden />
                  {SUBKIND_STYLES[s].label}
                </label>
              ))}
            </div>
            {errors.subkind && <p className="field-error" data-testid="field-error-subkind">{errors.subkind}</p>}
          </fieldset>
        )}
        <fieldset className={`field place${errors.location ? ' has-error' : ''}`} data-field="location">
          <legend>Place</legend>
          <div className={`hint${draft.lat ? '' : ' call'}`} data-testid="place-hint">
            {where ?? 'Click the map to set the place (or type it)'}
          </div>
          <div className="pair">
            <label>
              Latitude
              <input id="f-location" inputMode="decimal" value={draft.lat} data-testid="form-lat" aria-invalid={Boolean(errors.location)} onChange={(e) => set({ lat: e.target.value })} />
            </label>
            <label>
              Longitude
              <input inputMode="decimal" value={draft.lon} data-testid="form-lon" aria-invalid={Boolean(errors.location)} onChange={(e) => set({ lon: e.target.value })} />
            </label>
          </div>
          {errors.location && <p className="field-error" data-testid="field-error-location" role="alert">{errors.location}</p>}
        </fieldset>
        {field(
          'observedAt',
          'Time (local)',
          <div className="with-button">
            <input {...aria('observedAt')} type="datetime-local" value={draft.observedAt} data-testid="form-time" onChange={(e) => set({ observedAt: e.target.value })} />
            <button type="button" onClick={() => set({ observedAt: toLocalInput(new Date()) })}>Now</button>
          </div>,
          at ? formatUtc(at.toISOString()) : undefined,
        )}
        {field('count', 'Count', <input {...aria('count')} type="number" min={1} step={1} inputMode="numeric" value={draft.count} data-testid="form-count" onChange={(e) => set({ count: e.target.value })} />, 'How many events this record counts')}
        {draft.kind === 'weapon_sighting' && (
          <div className="pair">
            {field('weapon.model', 'Weapon model', <input {...aria('weapon.model')} value={draft.weaponModel} placeholder="e.g. 2S1, D-30" data-testid="form-weapon-model" onChange={(e) => set({ weaponModel: e.target.value })} />)}
            {field('weapon.caliberMm', 'Calibre (mm)', <input {...aria('weapon.caliberMm')} inputMode="decimal" value={draft.caliberMm} placeholder="e.g. 122" data-testid="form-caliber" onChange={(e) => set({ caliberMm: e.target.value })} />)}
          </div>
        )}
        {field('notes', 'Notes', <textarea {...aria('notes')} rows={3} value={draft.notes} data-testid="form-notes" onChange={(e) => set({ notes: e.target.value })} />)}
        <div className="pair">
          {field(
            'releasability',
            'Releasability',
            <select {...aria('releasability')} value={draft.releasability} data-testid="form-releasability" onChange={(e) => set({ releasability: e.target.value })}>
              {RELEASABILITIES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>,
          )}
          {field(
            'source.nation',
            'Your nation',
            <input {...aria('source.nation')} value={draft.nation} maxLength={3} placeholder="e.g. FIN" autoCapitalize="characters" data-testid="form-nation" onChange={(e) => set({ nation: e.target.value.toUpperCase() })} />,
          )}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={sending} data-testid="form-submit">
            {sending ? 'Filing…' : 'File observation'}
          </button>
          <button type="button" onClick={onClose} title="Close; the draft is kept">Cancel</button>
          <button
            type="button"
            className="link"
            onClick={() => {
              onChange(newDraft());
              setErrors({});
            }}
          >
            Clear
          </button>
        </div>
      </form>
    </SidePanel>
  );
}

function focusField(name: string): void {
  const el = document.querySelector<HTMLElement>(`[data-field="${name}"] input, [data-field="${name}"] select, [data-field="${name}"] textarea`);
  el?.focus();
}
