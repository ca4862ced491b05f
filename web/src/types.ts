// The wire types come from the server's domain module (type-only: nothing of it is bundled).
import type { Observation as StoredObservation, ObservationInput, ObservationKind } from '../../src/domain/observation';
import type { Breach, Judgement } from '../../src/domain/rules';

/** The latest judgement against the agreement, as the API attaches it to an observation. */
export type ObservationJudgement = Judgement & { revision: number; judgedAt: string };
/** An observation as the API answers it: with its latest judgement (null: none). */
export type Observation = StoredObservation & { judgement?: ObservationJudgement | null };
export type { Breach, ObservationInput, ObservationKind };
export type Subkind = NonNullable<Observation['subkind']>;

export interface LatLon {
  lat: number;
  lon: number;
}

/** RFC 9457 problem details, as the API answers every error. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
  errors?: { field: string; message: string }[];
}
