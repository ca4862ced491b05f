import { useCallback, useEffect, useState } from 'react';
import type { z } from 'zod';
import type { EvidenceListItemSchema } from '../../src/server/evidence.schemas';
import { csrfHeader, ProblemError, request } from './api';
import { formatUtc } from './format';
import type { Incident } from './incidents';

type Item = z.output<typeof EvidenceListItemSchema>;

/**
 * The evidence of an incident and of its observations: files by SHA-256, what EXIF says against
 * the report (flagged when they disagree), and an upload. Opening a file is a "viewed" entry in
 * its chain of custody.
 */
export function EvidenceSection({ incident }: { incident: Incident }) {
  const [items, setItems] = useState<Item[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    // The incident's own attachments and those of its first observations (a page of each).
    const targets = [`incident=${encodeURIComponent(incident.id)}`, ...incident.observationIds.slice(0, 20).map((id) => `observation=${encodeURIComponent(id)}`)];
    const pages = await Promise.all(targets.map((q) => request<{ items: Item[] }>(`/api/evidence?${q}&limit=50`).catch(() => ({ items: [] }))));
    setItems(pages.flatMap((p) => p.items));
  }, [incident.id, incident.observationIds]);
  useEffect(() => {
    void load();
  }, [load]);

  const upload = async (file: File) => {
    setBusy(true);
    setError(null);
    try {
      await request(`/api/evidence?incident=${encodeURIComponent(incident.id)}&filename=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'content-type': file.type || 'application/octet-stream', ...csrfHeader() },
        body: file,
      });
      await load();
    } catch (e) {
      setError(e instanceof ProblemError ? (e.problem.detail ?? e.message) : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="evidence-title">
      <h3 id="evidence-title">Evidence</h3>
      {items.length === 0 && <p className="muted">None attached.</p>}
      <ul className="evidence-list" data-testid="evidence">
        {items.map((e) => (
          <li key={e.attachment.id}>
            <a href={`/api/evidence/${e.sha256}/content`} target="_blank" rel="noreferrer">
              {e.attachment.filename ?? e.sha256.slice(0, 12)}
            </a>{' '}
            · {e.mediaType} · {(e.size / 1024).toFixed(0)} KB · added by {e.attachment.addedBy} {formatUtc(e.attachment.addedAt)}
            {e.captureTime ? ` · taken ${e.captureTime.at ? formatUtc(e.captureTime.at) : `${e.captureTime.local ?? '?'} (camera clock)`}` : ''}
            {e.attachment.check?.flags.map((f) => (
              <span key={f.code} className="chip chip-warn" title={f.reason}>
                {f.code === 'capture-time-disagrees' ? 'time disagrees' : 'place disagrees'}
              </span>
            ))}
            <span className="muted"> · SHA-256 {e.sha256.slice(0, 16)}…</span>
          </li>
        ))}
      </ul>
      <label className="evidence-upload">
        Attach a photo, video or document
        <input type="file" disabled={busy} onChange={(ev) => ev.target.files?.[0] && void upload(ev.target.files[0])} data-testid="evidence-file" />
      </label>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
