// The wire types come from the server's domain module (type-only: nothing of it is bundled).
import type { Observation, ObservationInput, ObservationKind } from '../../src/domain/observation';

export type { Observation, ObservationInput, ObservationKind };
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
