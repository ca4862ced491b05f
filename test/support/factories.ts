import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { canonicalContent, ObservationInput, type Observation } from '../../src/domain/observation';
import type { StoredObservation } from '../../src/store/repository';

let seq = 0;

/** A valid observation input; override what the test is about. Ids are unique per call. */
export function observationInput(over: Partial<ObservationInput> = {}): ObservationInput {
  seq++;
  return {
    id: uuidv7(),
    kind: 'explosion',
    subkind: 'impact',
    observedAt: new Date(Date.UTC(2026, 10, 20, 12, 0, seq % 60)).toISOString(),
    location: { lat: 48.0 + (seq % 100) / 1000, lon: 37.5 + (seq % 100) / 1000, accuracyM: 500 },
    count: 1,
    source: { kind: 'monitor', nation: 'FRA', reporter: 'Team D-1' },
    releasability: 'MECHANISM',
    ...over,
  };
}

export function storedObservation(over: Partial<ObservationInput> = {}, sector: string | null = null): StoredObservation {
  const data = ObservationInput.parse(observationInput(over));
  const observation: Observation = { ...data, sector, receivedAt: new Date().toISOString() };
  return { observation, contentHash: createHash('sha256').update(canonicalContent(data)).digest('base64url'), rawId: null };
}
