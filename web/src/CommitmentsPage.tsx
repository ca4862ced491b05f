import { useEffect, useMemo, useState } from 'react';
import { FATE_LABELS, getCommitments, getDocuments, getNation, n, STATUS_LABELS, type CommitmentView, type DocumentView, type NationRecord } from './force';
import { useSession } from './session';
import type { PageProps } from './pages';

/** A dropped commitment: the draft's words beside the final text's silence. */
function SideBySide({ c }: { c: CommitmentView }) {
  return (
    <div className="side-by-side" data-testid="dropped-commitment" data-commitment={c.id}>
      <h4>
        {c.nation}: {c.what} {c.illustrative && <span className="illustrative">illustrative</span>}
      </h4>
      <div className="wordings">
        <blockquote className="wording draft">
          <span className="wording-label">Draft ({c.draft?.versionId})</span>
          {c.draft?.text}
        </blockquote>
        <blockquote className="wording final">
          <span className="wording-label">Final {c.final ? `(${c.final.versionId})` : ''}</span>
          {c.final?.text ?? <em>— not in the final text —</em>}
        </blockquote>
      </div>
      <p className="muted">
        {c.documentTitle} · conditions: {c.conditions.map((x) => x.text || x.kind).join('; ') || 'none'}
        {c.triggerCriteriaIds.length > 0 && ` · guarantee triggers: ${c.triggerCriteriaIds.join(', ')}`}
      </p>
    </div>
  );
}

/** What a nation committed and what it delivered; commitments dropped between draft and final. */
export function CommitmentsPage({ rest }: PageProps) {
  const { me } = useSession();
  const [all, setAll] = useState<CommitmentView[] | null>(null);
  const [record, setRecord] = useState<NationRecord | null>(null);
  const [documents, setDocuments] = useState<DocumentView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const nations = useMemo(() => [...new Set((all ?? []).map((c) => c.nation))].sort(), [all]);
  const nation = /^[A-Z]{3}$/.test(rest) ? rest : (nations[0] ?? '');

  useEffect(() => {
    if (!me) return;
    getCommitments().then(setAll, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    getDocuments().then(setDocuments, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [me]);
  useEffect(() => {
    if (!me || !nation) return;
    getNation(nation).then(setRecord, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [me, nation]);

  if (me === undefined) return null;
  if (me === null) return <p className="muted">Log in to see the commitments register.</p>;
  if (error) return <p className="error">{error}</p>;
  if (!all) return <p className="muted">Loading…</p>;
  const dropped = all.filter((c) => c.fate === 'dropped');
  return (
    <div className="commitments-page">
      <section aria-labelledby="nation-title">
        <h2 id="nation-title">
          What did{' '}
          <select aria-label="Nation" value={nation} onChange={(e) => (window.location.hash = `#/commitments/${e.target.value}`)} data-testid="commitment-nation">
            {[...new Set([...nations, nation])].filter(Boolean).map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>{' '}
          commit, and what has it delivered?
        </h2>
        {record && (
          <>
            <p data-testid="nation-summary">
              Committed through linked pledges: <strong>{n(record.committedTroops)}</strong> troops; delivered (deployed): <strong>{n(record.deliveredTroops)}</strong>. All pledges: {n(record.pledgedTroops)} pledged,{' '}
              {n(record.deployedTroops)} deployed; {record.units.length} unit(s).
            </p>
            <table className="force-table" data-testid="nation-commitments">
              <thead>
                <tr>
                  <th>Commitment</th>
                  <th>Document</th>
                  <th>Conditions</th>
                  <th>Status</th>
                  <th>Draft → final</th>
                  <th className="num">Committed</th>
                  <th className="num">Delivered</th>
                  <th>Pledges</th>
                </tr>
              </thead>
              <tbody>
                {record.commitments.map((c) => (
                  <tr key={c.id} className={c.fate === 'dropped' ? 'dropped' : undefined}>
                    <th scope="row">
                      {c.what} {c.illustrative && <span className="illustrative">illustrative</span>}
                    </th>
                    <td>{c.documentTitle ?? c.documentId}</td>
                    <td>{c.conditions.map((x) => x.text || x.kind).join('; ') || '–'}</td>
                    <td>{c.status.replace(/_/g, ' ')}</td>
                    <td className={`fate fate-${c.fate}`}>{FATE_LABELS[c.fate]}</td>
                    <td className="num">{n(c.delivery.committedTroops)}</td>
                    <td className="num">
                      {n(c.delivery.deliveredTroops)}
                      {c.delivery.committedTroops > 0 && <meter min={0} max={c.delivery.committedTroops} value={c.delivery.deliveredTroops} aria-label="delivered of committed" />}
                    </td>
                    <td>{c.delivery.pledges.map((p) => `${p.capability.replace(/_/g, ' ')}: ${n(p.troops)} ${STATUS_LABELS[p.status].toLowerCase()}`).join('; ') || '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      <section aria-labelledby="dropped-title">
        <h2 id="dropped-title">Dropped between draft and final</h2>
        {dropped.length === 0 ? <p className="muted">None.</p> : dropped.map((c) => <SideBySide key={c.id} c={c} />)}
      </section>
      <section aria-labelledby="documents-title">
        <h2 id="documents-title">Documents</h2>
        <table className="force-table" data-testid="commitment-documents">
          <thead>
            <tr>
              <th>Document</th>
              <th>Kind</th>
              <th>Place</th>
              <th>Versions</th>
              <th>Signatories</th>
            </tr>
          </thead>
          <tbody>
            {documents.map((d) => (
              <tr key={d.id}>
                <th scope="row">
                  {d.title} {d.illustrative && <span className="illustrative">illustrative</span>}
                </th>
                <td>{d.kind.replace(/_/g, ' ')}</td>
                <td>{d.place}</td>
                <td>{d.versions.map((v) => `${v.title || v.id} (${v.stage}, ${v.date})`).join(' → ')}</td>
                <td>{d.signatories.length > 6 ? `${d.signatories.length} nations` : d.signatories.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
