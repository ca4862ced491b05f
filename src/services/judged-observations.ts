import type { Observation } from '../domain/observation';
import type { Judgement } from '../domain/rules';
import type { StoredJudgement } from '../store/agreement-repository';
import type { Page, Store } from '../store/repository';

/** A judgement as the API shows it with an observation: the engine's findings, plus which revision and when. */
export type ObservationJudgement = Judgement & { revision: number; judgedAt: string };

/** An observation with its latest judgement (null: never judged, or no agreement in force at its time). */
export type JudgedObservation = Observation & { judgement: ObservationJudgement | null };

export const apiJudgement = (s: StoredJudgement | undefined): ObservationJudgement | null =>
  s?.judgement ? { ...s.judgement, revision: s.agreementRevision, judgedAt: s.judgedAt } : null;

/** Attaches the latest judgement to each observation: one batch lookup. */
export async function withJudgements(store: Store, observations: Observation[]): Promise<JudgedObservation[]> {
  const latest = await store.judgements.latestFor(observations.map((o) => o.id));
  return observations.map((o) => ({ ...o, judgement: apiJudgement(latest.get(o.id)) }));
}

export async function judgedPage(store: Store, page: Page<Observation>): Promise<Page<JudgedObservation>> {
  return { ...page, items: await withJudgements(store, page.items) };
}

export async function judgedObservation(store: Store, o: Observation | undefined): Promise<JudgedObservation | undefined> {
  return o && (await withJudgements(store, [o]))[0];
}
